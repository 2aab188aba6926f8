"""The carrier simulator: Twilio's REST API and the phone network on one machine (issue 3)."""
