"""CTI actions on an agent's call: transfers, consult, conference, DTMF, click-to-call."""
