"""The exception tree of the interpretation domain.

::

    InterpretationError
     ├── InvalidTransition        the booth's state forbids the move
     │    ├── NotOnAir            only the interpreter on air may do that
     │    └── HandoverNotPending  no handover waits for that answer (or not for this person)
     ├── NotInBooth               not assigned to the booth: refused, and the edge logs it
     ├── InvalidSource            relay of a relay, from a relaying booth, from itself, from nowhere
     ├── UnknownLanguage          the booth or the session offers no such language
     ├── InvalidChoice            a listener's choice out of range (balance outside 0..1)
     └── InvalidSetup             a booth or session that cannot exist (three languages, two
                                  booths for one language, overlapping turns, naive times)

Each error carries what the one place mapping errors to a close code needs: the machine,
its state and the action for a transition; the booth and the person for a refusal.
"""

from __future__ import annotations


class InterpretationError(Exception):
    """Base of every error the interpretation domain raises on purpose."""


class InvalidTransition(InterpretationError):
    """A state machine was asked for a transition its current state does not allow."""

    def __init__(self, machine: str, state: str, action: str, why: str = "") -> None:
        message = f"{machine} cannot {action} while {state}"
        super().__init__(f"{message}: {why}" if why else message)
        self.machine = machine
        self.state = state
        self.action = action


class NotOnAir(InvalidTransition):
    """Only the interpreter on air may do this (cough, offer a handover, go off air)."""


class HandoverNotPending(InvalidTransition):
    """Accept, decline or cancel with no pending handover, or one meant for someone else."""


class NotInBooth(InterpretationError):
    """The person is not an interpreter assigned to this booth."""

    def __init__(self, booth: str, who: str, action: str) -> None:
        super().__init__(f"{who} is not assigned to the {booth} booth and cannot {action}")
        self.booth = booth
        self.who = who
        self.action = action


class InvalidSource(InterpretationError):
    """A booth's source that cannot work: relay of a relay, from itself, from no booth."""


class UnknownLanguage(InterpretationError):
    """The booth or the session offers no such language."""


class InvalidChoice(InterpretationError):
    """A listener's choice outside what the controls allow."""


class InvalidSetup(InterpretationError):
    """A booth, session or turn plan that cannot exist."""
