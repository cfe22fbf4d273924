"""Staff attachments on a work item, stored with gov_common.files; no public URL ever."""
