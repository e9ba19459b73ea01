"""What is in use beside each quota, for the operators' admin pages.

Usage is the users' live instances, which belong to the app above this one (instances), so that
app counts them: it registers its counter here when Django starts (`InstancesConfig.ready`).
"""
_counter = None


def register(counter):
    """`counter(quotas)` returns {quota pk: limits.Usage} for a list of quotas."""
    global _counter
    _counter = counter


def of_quotas(quotas) -> dict:
    """Current usage beside each quota: a user's own; a group's members' together; everyone's for
    the default."""
    if _counter is None:
        raise RuntimeError("no usage counter registered: is the instances app installed?")
    return _counter(quotas)
