"""One caller's life on the outbound socket: screening, IVR, queue steps, survey."""
