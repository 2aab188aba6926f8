"""The carrier simulator: Twilio's REST API and the phone network on one machine (issue 3)."""

from .scenario import Scenario, ScenarioError
from .server import Simulator, SimulatorRefused, start_for_app

__all__ = ["Scenario", "ScenarioError", "Simulator", "SimulatorRefused", "start_for_app"]
