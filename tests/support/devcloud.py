"""What devcloud's own tests share."""

PASSWORD = "s3cret-pw"  # the VNC password of the servers they create
