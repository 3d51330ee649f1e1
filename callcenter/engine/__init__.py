"""The imperative shell that carries out ACD/IVR decisions on FreeSWITCH, Redis and SQL."""
