"""The runtime every other package stands on: settings (the one reader of the environment),
the database and Redis handles, RQ queues and the outbox, the Twilio client, the account-wide
call pacing, the catalogues and i18n, logs and metrics, the /voice/... URLs.

It imports `models` and nothing else of the project.
"""
