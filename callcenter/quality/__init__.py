"""Quality scoring (质检): score forms, evaluations of recorded calls, the calls to evaluate.

- :mod:`callcenter.quality.forms`: the form definition (sections, weighted and critical
  questions), its validation, and the audited form service (frozen once used).
- :mod:`callcenter.quality.evaluations`: the score (weighted percentage, 0 on a critical
  fail), saving an evaluation, and the agent's one answer (acknowledge or dispute).
- :mod:`callcenter.quality.queue`: recorded calls not yet evaluated, flagged ones first.
"""
