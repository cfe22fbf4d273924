/** While the body carries this class, printing shows the notice (CaseNotice) alone: the notice page sets it. */
export const NOTICE_PRINT_CLASS = 'printing-notice'
