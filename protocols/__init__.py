"""Wire protocols spoken between visa and a VM, in one neutral place that both visa and devcloud
(the OpenStack simulator, a separate program) import: RFB (VNC) pieces, and the mount agent that
runs inside each VM. Imports only the standard library and cryptography, never a project app."""
