"""The dialer's exceptions."""

from models.refusal import Refusal


class CampaignError(Refusal):
    """A refused campaign action: a catalogue key (`campaign.error.*`, or a number's
    `phone.*`) and its values, said at the edge with `runtime.i18n.explain`."""

    @classmethod
    def because(cls, refusal: Refusal) -> "CampaignError":
        """The campaign action refused for REFUSAL's reason (e.g. an InvalidPhone)."""
        return cls(refusal.key, **refusal.values)
