"""The applicant's inbox (消息通知): notifications made from case and licence events, read through
`/api/v1/me/notifications`."""
