"""Twilio's error answers: {"code", "message", "more_info", "status"}, as the client expects."""

import json

from werkzeug.wrappers import Response

ERRORS = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21201: "No 'To' number is specified",
    21205: "Url parameter is required.",
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    21213: "No 'From' number is specified",
    21220: "Call is not in-progress. Cannot redirect.",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
    21604: "A 'To' phone number is required",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit",
}
STATUS_OF = {20003: 401, 20404: 404, 20429: 429, 20500: 500}


class TwilioError(Exception):
    """An error answered in Twilio's shape: {"code", "message", "more_info", "status"}."""

    def __init__(self, code: int, message: str | None = None, status: int | None = None):
        super().__init__(message or ERRORS.get(code, "error"))
        self.code = code
        self.message = message or ERRORS.get(code, "error")
        self.status = status or STATUS_OF.get(code, 400)

    def response(self) -> Response:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else {}
        return Response(json.dumps(body), self.status, headers, mimetype="application/json")
