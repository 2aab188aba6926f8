"""Alert campaigns (issue 5): targeting, claims and worker threads placing calls at the
account's pace (runtime.pacing), the alert call's conversation, outcomes, reconciliation."""
