def member_erase(*, member, actor) -> None:
    """Placeholder replaced on merge by the pseudonymisation (h3)."""
