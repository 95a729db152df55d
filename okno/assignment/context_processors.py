from okno.accounts.models import User


def availability(request):
    """The top bar's available / away switch needs the signed-in agent's flag."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"agent_available": user.is_available}
