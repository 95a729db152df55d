"""Who did something: a staff user, a customer contact, or the system / a rule."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """Automation, an importer or a command acting on its own account."""

    label: str = "system"
    kind: str = "system"  # "system" or "rule"

    is_authenticated = False
    is_customer = False


SYSTEM = SystemActor()


def rule_actor(name: str) -> SystemActor:
    return SystemActor(label=name, kind="rule")
