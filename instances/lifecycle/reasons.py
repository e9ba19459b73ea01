"""Why an instance failed or went unreachable, as its history and page say it: one wording for
the same fault, whether a lifecycle step or the reconciler found it."""

VM_DISAPPEARED = "Its virtual machine disappeared from the cloud."
VM_DISAPPEARED_WHILE_BUILT = "Its virtual machine disappeared from the cloud while it was built."


def vm_failed(fault):
    return f"The virtual machine failed: {fault}"


def cloud_silent(error):
    return f"The cloud does not answer ({type(error).__name__}); visa checks again shortly."
