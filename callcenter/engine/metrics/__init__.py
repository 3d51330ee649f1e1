"""The engine's monitoring: Prometheus figures at ``/metrics`` and ``/healthz`` for load balancers.

:class:`~callcenter.engine.metrics.wiring.EngineMetrics` builds the parts: the figures the engine
pushes (:mod:`.figures`, fed by the bus consumer in :mod:`.calls` and the hooks in
:mod:`.hooks`), the live state read at scrape time (:mod:`.live_state`), the health checks
(:mod:`.health`) and the HTTP listener (:mod:`.server`).
"""
