"""Alert campaigns: targeting, pacing at the account's CPS, call outcomes (issue 5)."""
