"""Application factory: settings, database, Redis, login, CSRF and the blueprints."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

import callcenter.store.models  # noqa: F401 - registers every mapped class before queries
from callcenter.admin.notify import announce_changes
from callcenter.config import Settings, load_settings
from callcenter.store.session import make_engine, session_factory
from console import request_input
from console.form_errors import field_errors
from console.formatting import install_formatting
from console.i18n import install_i18n
from console.i18n_errors import install_error_messages
from console.navigation import nav_items

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


def _publish(channel: str, data: Any) -> object:
    """Publish on the app's Redis (admin changes committed in a request)."""
    from console.supervisor import live_store

    return live_store().publish(channel, data)


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the console for ``settings`` (loaded from env/YAML when omitted)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.console.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.console.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        CALLCENTER_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.console.max_request_bytes,
    )
    app.config.update(config)
    if settings.console.proxy_hops:  # else X-Forwarded-For is ignored: clients cannot pick it
        hops = settings.console.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db_engine = make_engine(settings.database.url)
    app.extensions["callcenter.sessions"] = session_factory(db_engine)
    announce_changes(app.extensions["callcenter.sessions"], _publish)  # engines reload at once
    app.extensions["callcenter.settings"] = settings

    csrf.init_app(app)
    login_manager.init_app(app)
    install_i18n(app)
    install_formatting(app)
    install_error_messages(app)  # JSON error answers get a translated "message"
    app.jinja_env.globals.update(nav_items=nav_items, field_errors=field_errors)
    request_input.install(app)  # before the blueprints: their <int:> ids use its converter

    from console import admin, agent, api, auth, customers, supervisor, tickets
    from console import calls as calls_views
    from console import recordings as recordings_views

    app.register_blueprint(auth.bp)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(tickets.bp)
    app.register_blueprint(recordings_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(calls_views.bp)
    from console import monitor_api, wrapup_api

    app.register_blueprint(wrapup_api.bp)
    from console import flows_api

    app.register_blueprint(flows_api.bp)
    app.register_blueprint(monitor_api.bp)
    from console import admin_api, admin_audit, admin_numbers, admin_setup

    for blueprint in (admin_setup.bp, admin_audit.bp, admin_numbers.bp, admin_api.bp):
        app.register_blueprint(blueprint)
    from console import flow_editor, queue_board

    app.register_blueprint(queue_board.bp)
    app.register_blueprint(flow_editor.bp)
    from console import freeswitch_directory

    app.register_blueprint(freeswitch_directory.bp)  # HTTP Basic for FreeSWITCH, no sign-in
    csrf.exempt(freeswitch_directory.bp)
    from console import reports

    app.register_blueprint(reports.bp)
    from console import quality, quality_agent, quality_forms

    for blueprint in (quality.bp, quality_agent.bp, quality_forms.bp):
        app.register_blueprint(blueprint)
    from console import openapi_views

    app.register_blueprint(openapi_views.bp)  # /api/openapi.json and /api/docs
    from console import metrics

    metrics.install(app)  # /metrics (bearer token) and /healthz: no sign-in, see its docstring

    @app.get("/")
    def index() -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.role == "agent":  # the wallboard is for supervisors
            return redirect(url_for("agent.desktop"))
        return redirect(url_for("supervisor.wallboard"))

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[Response | str, int]:
        if request.path.startswith("/api/"):
            return jsonify(error=True, reason=f"CSRF check failed: {error.description}"), 400
        return error.description, 400

    @login_manager.unauthorized_handler
    def unauthorized() -> Response | tuple[Response, int]:
        if request.path.startswith("/api/"):
            return jsonify(error=True, reason="sign in first"), 401
        return redirect(url_for("auth.login", next=request.path))

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'"
        )
        return response

    return app
