"""What a call's IVR runs with: the flows by dialled number, screening, lookups, prompts."""

from __future__ import annotations

from pathlib import Path

from callcenter.config import Settings
from callcenter.engine.bus import utcnow
from callcenter.engine.calls.handler import IvrConfig
from callcenter.engine.calls.screening import EngineLookups, FloodLimit, Screening
from callcenter.engine.records.persistence import EngineStore
from callcenter.flows.setup import flow_source
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.regions import DEFAULT_TABLE, default_regions
from callcenter.ivr.registry import FlowRegistry
from callcenter.ivr.speech import recognizer_from_settings
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

SHIPPED_FLOWS = Path(__file__).resolve().parents[3] / "ivr_flows"
"""The sample flows of a source checkout (used when the ivr.flows folder does not exist)."""


def flows_folder(configured: str) -> Path:
    """The configured flow folder, or the shipped sample flows when it does not exist."""
    folder = Path(configured)
    if not folder.is_dir() and SHIPPED_FLOWS.is_dir():
        log.warning(
            "IVR flow folder not found; using the shipped sample flows",
            folder=str(folder),
            shipped=str(SHIPPED_FLOWS),
        )
        folder = SHIPPED_FLOWS
    return folder


def ivr_config(settings: Settings, store: EngineStore, live: LiveStore, owner: str) -> IvrConfig:
    """Flows by dialled number (queue names checked against SQL), screening, lookups; calls
    answered by this process carry ``owner`` (engine/restart/readopt.py)."""
    ivr = settings.ivr
    queues = store.queue_names()
    registry = FlowRegistry(
        flow_source(ivr, flows_folder(ivr.flows), store.sessions),  # the folder or the database
        prompts_dir=Path(ivr.prompts),
        known_queues=queues or None,  # no queues yet: the check is skipped
        numbers=ivr.numbers,
        default_flow=ivr.default_flow,
        check_interval=ivr.reload_interval,
        limits=FlowLimits.of(ivr),
    )
    flood = FloodLimit(live, ivr.flood_max_calls, ivr.flood_window_minutes)
    return IvrConfig(
        registry=registry,
        screening=Screening(store, flood, utcnow),
        lookups=EngineLookups(store),
        regions=default_regions(ivr.region_table or DEFAULT_TABLE, ivr.home_country_code),
        prompts_dir=Path(ivr.prompts),
        voicemail_dir=Path(settings.recording.path).resolve() / "voicemail",
        timezone=settings.timezone,
        tts_engine=ivr.tts_engine,
        tts_voice=ivr.tts_voice,
        tts_voices=ivr.tts_voices,
        owner=owner,
        transfer_context=ivr.transfer_context,
        input_margin=ivr.input_margin,
        max_steps=ivr.max_steps,
        blocked_prompt=ivr.blacklist_prompt,
        default_queue=settings.routing.default_queue,
        music=settings.routing.music,
        speech=recognizer_from_settings(settings),
        speech_dir=ivr.speech_dir,
        speech_silence_seconds=ivr.speech_silence_seconds,
        speech_threshold=ivr.speech_threshold,
        survey_flow=ivr.survey_flow,
    )
