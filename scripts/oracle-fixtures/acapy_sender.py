#!/usr/bin/env python3
"""Regenerate test/fixtures/acapy/oracle/ by running ACA-Py's own webhook sender.

Not part of any published package. It imports ACA-Py from a checkout you give it (nothing
of ACA-Py is copied into credhooks), drives ACA-Py's code — record classes (`save()`,
`emit_event()`, `delete_record()`), protocol handlers and managers, the event bus, the
admin server's webhook subscription and `send_webhook`, `OutboundTransportManager.
enqueue_webhook` and `HttpTransport` (aiohttp) — and captures what arrives at a local HTTP
server: method, path, headers as received, and the exact body bytes.

    python3 scripts/oracle-fixtures/acapy_sender.py --acapy /path/to/acapy-checkout [--out DIR]

Python >= 3.11 with ACA-Py's dependencies installed (`pip install -e <checkout>`), or, on
Debian 12 without PyPI, these Debian packages; modules that are still missing (native
wallets and DID libraries that the webhook path does not call) are replaced by empty
stand-ins at import time, see `_install_stand_ins`:

    apt-get install python3-marshmallow python3-aiohttp python3-dateutil python3-base58 \\
      python3-nacl python3-yaml python3-jwt python3-packaging python3-markdown \\
      python3-typing-extensions python3-pyld python3-canonicaljson python3-nest-asyncio \\
      python3-aiohttp-cors python3-aiohttp-apispec python3-apispec python3-requests

Each scenario says which steps ran ACA-Py's code and which (a payload literal of a handler
that needs a live DIDComm peer) were transcribed from the named file; the fixtures carry it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path

API_KEY = "acapy-oracle-key"
SUB_WALLET_ID = "3b1d5a4e-8c2f-4e61-9a7d-0f5e2c4b6a81"
MOUNT = "/events/acme/acapy"

# --------------------------------------------------------------------------------------
# Import-time stand-ins for modules that are not installed. Only used when the real module
# cannot be found; none of them is on the webhook path (they are imported at module load).
# --------------------------------------------------------------------------------------

OPTIONAL_TOP_LEVEL = {
    "pydid", "anoncreds", "indy_credx", "aries_askar", "indy_vdr", "did_peer_2", "did_peer_4",
    "did_webvh", "sd_jwt", "unflatten", "jsonpath_ng", "ursa_bbs_signatures", "didcomm_messaging",
    "psycopg", "psycopg_pool", "sqlcipher3", "rlp", "deepmerge", "configargparse",
    "pythonjsonlogger", "qrcode", "portalocker", "prompt_toolkit",
}
# An ACA-Py module written in Python 3.12 syntax, imported by the admin server but not on
# the webhook path; replaced when the interpreter is older than 3.12.
PY312_MODULES = {"acapy_agent.anoncreds.revocation.auto_recovery.event_storage"}


class _AnyType(type):
    def __getattr__(cls, name):
        return _AnyType(name, (object,), {})

    def __call__(cls, *args, **kwargs):
        return super().__call__()

    def __getitem__(cls, item):
        return cls


class _StandInModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _AnyType(name, (object,), {})
        setattr(self, name, value)
        return value


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self.used: set[str] = set()

    def find_spec(self, fullname, path, target=None):
        top = fullname.split(".")[0]
        if fullname in PY312_MODULES and sys.version_info < (3, 12):
            self.used.add(fullname)
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        if top == "uuid_utils" or top in OPTIONAL_TOP_LEVEL:
            for finder in sys.meta_path:
                if finder is self:
                    continue
                spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
                if spec is not None:
                    return None
            self.used.add(top)
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StandInModule(spec.name)
        module.__path__ = []
        if spec.name == "uuid_utils":
            import uuid

            module.uuid4 = uuid.uuid4
            module.UUID = uuid.UUID
        return module

    def exec_module(self, module):
        pass


def _install_stand_ins(checkout: Path) -> _StandInFinder:
    finder = _StandInFinder()
    sys.meta_path.insert(0, finder)
    sys.path.insert(0, str(checkout))
    # ACA-Py reads its own version from package metadata: give an uninstalled checkout one.
    meta = Path(os.environ.get("TMPDIR", "/tmp")) / "credhooks-acapy-oracle-meta"
    dist = meta / "acapy_agent-0.0.0+checkout.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acapy-agent\nVersion: 0.0.0+checkout\n")
    import importlib.metadata

    try:
        importlib.metadata.version("acapy-agent")
    except importlib.metadata.PackageNotFoundError:
        sys.path.append(str(meta))
    return finder


# --------------------------------------------------------------------------------------
# The capture server: records each request exactly as it arrived.
# --------------------------------------------------------------------------------------


async def start_capture_server(captured: list):
    from aiohttp import web

    async def handler(request: web.Request):
        body = await request.read()
        captured.append(
            {
                "method": request.method,
                "path": request.raw_path,
                "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.raw_headers],
                "body": body,
            }
        )
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, port


# --------------------------------------------------------------------------------------
# A minimal profile: ACA-Py's InjectionContext, EventBus and record classes, over a tiny
# in-memory storage (ours; ACA-Py's own wallets need native libraries).
# --------------------------------------------------------------------------------------


def build_runtime():
    from acapy_agent.config.injection_context import InjectionContext
    from acapy_agent.core.event_bus import EventBus
    from acapy_agent.core.profile import Profile, ProfileSession
    from acapy_agent.storage.base import BaseStorage
    from acapy_agent.storage.error import StorageDuplicateError, StorageNotFoundError

    class MemoryStorage(BaseStorage):
        def __init__(self):
            self.records = {}

        async def add_record(self, record):
            key = (record.type, record.id)
            if key in self.records:
                raise StorageDuplicateError("duplicate")
            self.records[key] = record

        async def get_record(self, record_type, record_id, options=None):
            try:
                return self.records[(record_type, record_id)]
            except KeyError:
                raise StorageNotFoundError("not found")

        async def update_record(self, record, value, tags):
            from acapy_agent.storage.record import StorageRecord

            self.records[(record.type, record.id)] = StorageRecord(record.type, value, tags, record.id)

        async def delete_record(self, record):
            self.records.pop((record.type, record.id), None)

        def _match(self, record, tag_query):
            return all(record.tags.get(k) == v for k, v in (tag_query or {}).items())

        async def find_all_records(self, type_filter, tag_query=None, order_by=None, descending=False, options=None):
            return [r for (t, _), r in self.records.items() if t == type_filter and self._match(r, tag_query)]

        async def find_paginated_records(self, type_filter, tag_query=None, limit=100, offset=0, order_by=None, descending=False):
            return (await self.find_all_records(type_filter, tag_query))[offset : offset + limit]

        async def find_record(self, type_filter, tag_query=None, options=None):
            found = await self.find_all_records(type_filter, tag_query)
            if not found:
                raise StorageNotFoundError("Record not found")
            if len(found) > 1:
                raise StorageDuplicateError("Duplicate records found")
            return found[0]

        async def delete_all_records(self, type_filter, tag_query=None):
            for r in await self.find_all_records(type_filter, tag_query):
                await self.delete_record(r)

        def search_records(self, *args, **kwargs):
            raise NotImplementedError

    class OracleSession(ProfileSession):
        @property
        def is_transaction(self):
            return False

        @property
        def handle(self):
            return None

    class OracleProfile(Profile):
        BACKEND_NAME = "oracle"

        def session(self, context=None):
            return OracleSession(self, context=context)

        def transaction(self, context=None):
            return OracleSession(self, context=context)

    def make_profile(settings, bus, storage, extra=None):
        context = InjectionContext(settings=settings)
        context.injector.bind_instance(EventBus, bus)
        context.injector.bind_instance(BaseStorage, storage)
        for cls, instance in (extra or {}).items():
            context.injector.bind_instance(cls, instance)
        return OracleProfile(context=context, name=settings.get("wallet.name", "default"))

    return make_profile, EventBus, MemoryStorage


def subscribe_admin_server(bus, admin_server):
    """What AdminServer.start() subscribes on the event bus (acapy_agent/admin/server.py)."""
    import re

    from acapy_agent.admin import server

    bus.subscribe(server.EVENT_PATTERN_WEBHOOK, admin_server._on_webhook_event)
    bus.subscribe(server.EVENT_PATTERN_RECORD, admin_server._on_record_event)
    mapping = dict(server.EVENT_WEBHOOK_MAPPING)
    # start(): forward webhooks only with --monitor-forward, which the scenarios turn on.
    mapping["acapy::forward::received"] = "forward"
    for event_topic, webhook_topic in mapping.items():
        bus.subscribe(
            re.compile(re.escape(event_topic)),
            lambda profile, event, webhook_topic=webhook_topic: admin_server.send_webhook(profile, webhook_topic, event.payload),
        )


# --------------------------------------------------------------------------------------
# Scenarios. Each returns nothing; deliveries are captured in order and labelled after.
# --------------------------------------------------------------------------------------


async def run(checkout: Path, out: Path, commit_override: str | None):
    finder = _install_stand_ins(checkout)
    from acapy_agent.admin.server import AdminServer
    from acapy_agent.config.injection_context import InjectionContext
    from acapy_agent.transport.outbound.http import HttpTransport
    from acapy_agent.transport.outbound.manager import OutboundTransportManager
    from acapy_agent.messaging.responder import BaseResponder, MockResponder

    captured: list = []
    runner, port = await start_capture_server(captured)
    base_url = f"http://127.0.0.1:{port}{MOUNT}"
    make_profile, EventBus, MemoryStorage = build_runtime()

    bus = EventBus()
    storage = MemoryStorage()
    responder = MockResponder()
    base_settings = {"admin.webhook_urls": [f"{base_url}#{API_KEY}"], "debug.monitor_ping": True, "revocation.monitor_notification": True, "monitor_forward": True}
    from acapy_agent.protocols.coordinate_mediation.v1_0.route_manager import RouteManager

    # The out-of-band manager takes a route manager at construction; the reuse paths below
    # never call it (routing keys matter for DIDComm transport, not for webhooks).
    UnusedRouteManager = type("UnusedRouteManager", (RouteManager,), {})
    UnusedRouteManager.__abstractmethods__ = frozenset()
    extra = {BaseResponder: responder, RouteManager: UnusedRouteManager()}
    profile = make_profile(base_settings, bus, storage, extra)

    manager = OutboundTransportManager(profile)
    transport_id = manager.register_class(HttpTransport)
    await manager.start_transport(transport_id)

    # acapy_agent/core/conductor.py Conductor.webhook_router: hand each webhook to the manager.
    def webhook_router(topic, payload, endpoint, max_attempts=None, metadata=None):
        manager.enqueue_webhook(topic, payload, endpoint, max_attempts, metadata)

    admin = AdminServer("127.0.0.1", 0, InjectionContext(settings={"admin.admin_insecure_mode": True}), profile, None, webhook_router, None)
    subscribe_admin_server(bus, admin)

    labels: list = []

    async def step(label: dict, action):
        before = len(captured)
        await action()
        await manager.flush()
        for _ in range(50):
            if len(captured) > before:
                break
            await asyncio.sleep(0.02)
        new = captured[before:]
        if len(new) != label.get("count", 1):
            raise SystemExit(f"{label['name']}: expected {label.get('count', 1)} deliveries, got {len(new)}")
        for i, delivery in enumerate(new):
            labels.append((delivery, {**label, "index": i}))

    from acapy_agent.connections.models.conn_record import ConnRecord
    from acapy_agent.protocols.out_of_band.v1_0.models.oob_record import OobRecord
    from acapy_agent.protocols.out_of_band.v1_0.messages.invitation import InvitationMessage
    from acapy_agent.protocols.out_of_band.v1_0.messages.reuse import HandshakeReuse
    from acapy_agent.protocols.out_of_band.v1_0.messages.reuse_accept import HandshakeReuseAccept
    from acapy_agent.protocols.out_of_band.v1_0.manager import OutOfBandManager
    from acapy_agent.transport.inbound.receipt import MessageReceipt

    async with profile.session() as session:
        # --- connections: a record saved in state active (ConnRecord.save → post_save → emit_event).
        conn_a = ConnRecord(their_label="Alice", their_role=ConnRecord.Role.REQUESTER.rfc160, state=ConnRecord.State.COMPLETED.rfc160, my_did="did:peer:4zQmA", their_did="did:peer:4zQmB", invitation_msg_id="inv-multi", accept="auto", connection_protocol="didexchange/1.1")
        await step({"name": "connections-active", "executed": ["ConnRecord.save"]}, lambda: conn_a.save(session, reason="oracle"))
        conn_b = ConnRecord(their_label="Bob", their_role=ConnRecord.Role.REQUESTER.rfc160, state=ConnRecord.State.COMPLETED.rfc160, my_did="did:peer:4zQmC", their_did="did:peer:4zQmD", accept="auto", connection_protocol="didexchange/1.1")
        await step({"name": "connections-active-2", "executed": ["ConnRecord.save"]}, lambda: conn_b.save(session, reason="oracle"))

        # --- out_of_band: a multi-use invitation (await-response), reused by two connections.
        invitation = InvitationMessage(label="Issuer", handshake_protocols=["https://didcomm.org/didexchange/1.1"], services=["did:peer:2.Ez6LSoracle"])
        oob = OobRecord(state=OobRecord.STATE_AWAIT_RESPONSE, invi_msg_id=invitation._id, role=OobRecord.ROLE_SENDER, invitation=invitation, multi_use=True)
        await step({"name": "out-of-band-await-response", "executed": ["OobRecord.save"]}, lambda: oob.save(session, reason="Created new oob invitation"))

    oob_manager = OutOfBandManager(profile)

    async def no_targets(connection=None, **kwargs):  # DIDComm transport to the peer: not on the webhook path
        return []

    oob_manager.fetch_connection_targets = no_targets

    async def reuse(conn, reuse_id):
        message = HandshakeReuse(version="1.1")
        message.assign_thread_id(thid=reuse_id, pthid=invitation._id)
        await oob_manager.receive_reuse_message(message, MessageReceipt(connection_id=conn.connection_id), conn)

    # receive_reuse_message: emit_event(done) without a save, conn_rec.save, then the connection_reuse webhook.
    for conn, reuse_id, name in ((conn_a, "reuse-thread-alice", "reuse-alice"), (conn_b, "reuse-thread-bob", "reuse-bob")):
        await step({"name": f"out-of-band-multi-use-{name}", "count": 2, "executed": ["OutOfBandManager.receive_reuse_message"]}, lambda conn=conn, reuse_id=reuse_id: reuse(conn, reuse_id))

    # --- connection_reuse_accepted on the invitee's side (OutOfBandManager.receive_reuse_accepted_message).
    async with profile.session() as session:
        invitee_inv = InvitationMessage(label="Verifier", handshake_protocols=["https://didcomm.org/didexchange/1.1"], services=["did:peer:2.Ez6LSverifier"])
        invitee_oob = OobRecord(state=OobRecord.STATE_AWAIT_RESPONSE, invi_msg_id=invitee_inv._id, role=OobRecord.ROLE_RECEIVER, invitation=invitee_inv, reuse_msg_id="reuse-thread-carol", connection_id=conn_a.connection_id)
        await step({"name": "out-of-band-receiver-await-response", "executed": ["OobRecord.save"]}, lambda: invitee_oob.save(session, reason="Storing reuse msg data"))

    async def reuse_accepted():
        message = HandshakeReuseAccept(version="1.1")
        message.assign_thread_id(thid="reuse-thread-carol", pthid=invitee_inv._id)
        await oob_manager.receive_reuse_accepted_message(message, MessageReceipt(connection_id=conn_a.connection_id), conn_a)

    await step({"name": "connection-reuse-accepted", "count": 3, "executed": ["OutOfBandManager.receive_reuse_accepted_message"]}, reuse_accepted)

    # --- credential / w3c_credential: the holder deleting a credential. The route handlers
    # (acapy_agent/holder/routes.py credentials_remove, w3c_cred_remove) need a wallet with the
    # credential; their notify() call is transcribed, everything after it runs.
    await step({"name": "credential-deleted", "transcribed": "acapy_agent/holder/routes.py credentials_remove: profile.notify(\"acapy::record::credential::delete\", {\"id\": credential_id, \"state\": \"deleted\"})"}, lambda: profile.notify("acapy::record::credential::delete", {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "state": "deleted"}))
    await step({"name": "w3c-credential-deleted", "transcribed": "acapy_agent/holder/routes.py w3c_cred_remove: session.profile.notify(\"acapy::record::w3c_credential::delete\", {\"id\": credential_id, \"state\": \"deleted\"})"}, lambda: profile.notify("acapy::record::w3c_credential::delete", {"id": "urn:uuid:0c1a8f5e-6f0b-4b8e-9c2d-3e4f5a6b7c8d", "state": "deleted"}))

    # --- ping: the trust ping handlers, with --monitor-ping.
    from acapy_agent.messaging.request_context import RequestContext
    from acapy_agent.protocols.trustping.v1_0.handlers.ping_handler import PingHandler
    from acapy_agent.protocols.trustping.v1_0.handlers.ping_response_handler import PingResponseHandler
    from acapy_agent.protocols.trustping.v1_0.messages.ping import Ping
    from acapy_agent.protocols.trustping.v1_0.messages.ping_response import PingResponse

    def request_context(message):
        ctx = RequestContext(profile)
        ctx.message = message
        ctx.message_receipt = MessageReceipt(connection_id=conn_a.connection_id, sender_did="did:peer:4zQmB")
        ctx.connection_ready = True
        ctx.connection_record = conn_a
        return ctx

    ping = Ping(comment="are you there?", response_requested=False)
    await step({"name": "ping-received", "executed": ["PingHandler.handle"]}, lambda: PingHandler().handle(request_context(ping), responder))
    pong = PingResponse(comment="here")
    pong.assign_thread_id(thid="ping-thread-1")
    await step({"name": "ping-response-received", "executed": ["PingResponseHandler.handle"]}, lambda: PingResponseHandler().handle(request_context(pong), responder))

    # --- action menus: util.save_connection_menu and the driver menu service.
    from acapy_agent.protocols.actionmenu.v1_0.util import save_connection_menu
    from acapy_agent.protocols.actionmenu.v1_0.driver_service import DriverMenuService
    from acapy_agent.protocols.actionmenu.v1_0.messages.menu import Menu
    from acapy_agent.protocols.actionmenu.v1_0.models.menu_option import MenuOption

    menu = Menu(title="Services", description="What can we do for you?", options=[MenuOption(name="balance", title="Check balance")])
    menu.assign_thread_id(thid="menu-thread-1")
    await step({"name": "actionmenu", "executed": ["actionmenu.util.save_connection_menu"]}, lambda: save_connection_menu(menu, conn_a.connection_id, request_context(menu)))
    driver = DriverMenuService(profile.context)
    await step({"name": "get-active-menu", "executed": ["DriverMenuService.get_active_menu"]}, lambda: driver.get_active_menu(profile, conn_a, "menu-request-thread-1"))
    await step({"name": "perform-menu-action", "executed": ["DriverMenuService.perform_menu_action"]}, lambda: driver.perform_menu_action(profile, "balance", {"account": "savings"}, conn_a, "menu-perform-thread-1"))

    # --- keylist and forward (mediator side). Both handlers need a routing manager and
    # DIDComm keys; their notify() payloads are transcribed, everything after them runs.
    await step(
        {"name": "keylist", "transcribed": "acapy_agent/protocols/coordinate_mediation/v1_0/handlers/keylist_update_response_handler.py notify_keylist_updated"},
        lambda: profile.notify(
            "acapy::keylist::updated",
            {
                "connection_id": conn_a.connection_id,
                "thread_id": "keylist-thread-1",
                "updated": [{"recipient_key": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH", "action": "add", "result": "success"}],
                "mediated_connections": {"did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH": conn_b.connection_id},
            },
        ),
    )
    await step(
        {"name": "forward", "transcribed": "acapy_agent/protocols/routing/v1_0/handlers/forward_handler.py ForwardHandler.handle (send_status.value of OutboundSendStatus)"},
        lambda: profile.notify("acapy::forward::received", {"connection_id": conn_b.connection_id, "status": "queued_for_delivery", "recipient_key": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"}),
    )

    # --- revocation notifications (holder side), with --monitor-revocation-notification.
    from acapy_agent.protocols.revocation_notification.v1_0.handlers.revoke_handler import RevokeHandler as RevokeHandlerV1
    from acapy_agent.protocols.revocation_notification.v1_0.messages.revoke import Revoke as RevokeV1
    from acapy_agent.protocols.revocation_notification.v2_0.handlers.revoke_handler import RevokeHandler as RevokeHandlerV2
    from acapy_agent.protocols.revocation_notification.v2_0.messages.revoke import Revoke as RevokeV2

    await step({"name": "revocation-notification", "count": 1, "executed": ["revocation_notification v1_0 RevokeHandler.handle"]}, lambda: RevokeHandlerV1().handle(request_context(RevokeV1(thread_id="cred-thread-1", comment="Revoked by issuer")), responder))
    await step({"name": "revocation-notification-v2", "count": 1, "executed": ["revocation_notification v2_0 RevokeHandler.handle"]}, lambda: RevokeHandlerV2().handle(request_context(RevokeV2(revocation_format="indy-anoncreds", credential_id="WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0::1", comment="Revoked by issuer")), responder))

    # --- records of the remaining topics, saved through their state machines.
    from acapy_agent.protocols.coordinate_mediation.v1_0.models.mediation_record import MediationRecord
    from acapy_agent.protocols.discovery.v1_0.models.discovery_record import V10DiscoveryExchangeRecord
    from acapy_agent.protocols.discovery.v1_0.messages.query import Query
    from acapy_agent.protocols.discovery.v1_0.messages.disclose import Disclose
    from acapy_agent.protocols.discovery.v2_0.models.discovery_record import V20DiscoveryExchangeRecord
    from acapy_agent.protocols.discovery.v2_0.messages.queries import Queries, QueryItem
    from acapy_agent.protocols.endorse_transaction.v1_0.models.transaction_record import TransactionRecord

    async with profile.session() as session:
        mediation = MediationRecord(role=MediationRecord.ROLE_SERVER, connection_id=conn_b.connection_id, mediator_terms=[], recipient_terms=[])
        await step({"name": "mediation-request", "executed": ["MediationRecord.save"]}, lambda: mediation.save(session, reason="New mediation request received"))

        async def grant():
            mediation.state = MediationRecord.STATE_GRANTED
            mediation.routing_keys = ["did:key:z6MkgzZFYHiH9RhyMmkoyvNvVwnvgLxkVrJbureLx9HXsuKA"]
            mediation.endpoint = "https://mediator.example.com/"
            await mediation.save(session, reason="Mediation request granted")

        await step({"name": "mediation-granted", "executed": ["MediationRecord.save"]}, grant)

        query = Query(query="https://didcomm.org/*", comment="all protocols")
        discovery = V10DiscoveryExchangeRecord(connection_id=conn_a.connection_id, thread_id=query._id, query_msg=query)
        await step({"name": "discover-feature-query-sent", "executed": ["V10DiscoveryExchangeRecord.save"]}, lambda: discovery.save(session, reason="Discovery query sent"))

        async def disclosed():
            discovery.disclose = Disclose(protocols=[{"pid": "https://didcomm.org/issue-credential/2.0", "roles": ["holder"]}])
            discovery.state = V10DiscoveryExchangeRecord.STATE_DISCLOSE_RECV
            await discovery.save(session, reason="Discovery disclose received")

        await step({"name": "discover-feature-disclose-received", "executed": ["V10DiscoveryExchangeRecord.save"]}, disclosed)

        queries = Queries(queries=[QueryItem(feature_type="protocol", match="https://didcomm.org/*")])
        discovery_v2 = V20DiscoveryExchangeRecord(connection_id=conn_a.connection_id, thread_id=queries._id, queries_msg=queries)
        await step({"name": "discover-feature-v2-0", "executed": ["V20DiscoveryExchangeRecord.save"]}, lambda: discovery_v2.save(session, reason="Discovery queries sent"))

        transaction = TransactionRecord(connection_id=conn_b.connection_id, state=TransactionRecord.STATE_TRANSACTION_CREATED, messages_attach=[{"@id": "attach-1", "mime-type": "application/json", "data": {"json": "{\"operation\": {\"type\": \"102\"}}"}}])
        await step({"name": "endorse-transaction-transaction-created", "executed": ["TransactionRecord.save"]}, lambda: transaction.save(session, reason="Created transaction"))

        async def endorse():
            transaction.state = TransactionRecord.STATE_TRANSACTION_ENDORSED
            await transaction.save(session, reason="Endorsed transaction")

        await step({"name": "endorse-transaction-transaction-endorsed", "executed": ["TransactionRecord.save"]}, endorse)

    # --- a sub-wallet whose webhooks go to the base URL (dispatch type "base"): x-wallet-id
    # is still sent (admin/server.py send_webhook sets it from the profile's wallet.id).
    sub_profile = make_profile({"wallet.id": SUB_WALLET_ID, "wallet.name": "tenant-a", "admin.webhook_urls": [f"{base_url}#{API_KEY}"]}, bus, storage, extra)
    async with sub_profile.session() as session:
        sub_conn = ConnRecord(their_label="Dave", their_role=ConnRecord.Role.REQUESTER.rfc160, state=ConnRecord.State.COMPLETED.rfc160, their_did="did:peer:4zQmE", accept="auto", connection_protocol="didexchange/1.1")
        await step({"name": "sub-wallet-connections-active", "executed": ["ConnRecord.save", "sub-wallet profile"]}, lambda: sub_conn.save(session, reason="oracle"))

    await manager.stop()
    await runner.cleanup()

    commit = commit_override or subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    write_fixtures(out, labels, commit, sorted(finder.used))


def write_fixtures(out: Path, labels, commit: str, stand_ins):
    import aiohttp
    import marshmallow

    out.mkdir(parents=True, exist_ok=True)
    counts: dict = {}
    index = []
    for delivery, label in labels:
        topic = delivery["path"].split("/topic/")[1].strip("/")
        base = f"{label['name']}-{topic}" if label.get("count", 1) > 1 else label["name"]
        counts[base] = counts.get(base, 0) + 1
        name = base if counts[base] == 1 else f"{base}-{counts[base]}"
        body = delivery["body"]
        fixture = {
            "producedBy": {
                "sender": "ACA-Py",
                "repository": "openwallet-foundation/acapy",
                "commit": commit,
                "how": "executed" if "executed" in label else "payload transcribed, sent by ACA-Py's code",
                "executed": label.get("executed", []) + ["admin.server.AdminServer._on_record_event/_on_webhook_event/send_webhook", "OutboundTransportManager.enqueue_webhook", "HttpTransport.handle_message"],
                **({"transcribed": label["transcribed"]} if "transcribed" in label else {}),
                "runtime": f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}, marshmallow {getattr(marshmallow, '__version__', '?')}",
                "standIns": stand_ins,
                "script": "scripts/oracle-fixtures/acapy_sender.py",
            },
            "topic": topic,
            "request": {
                "method": delivery["method"],
                "path": delivery["path"],
                "headers": delivery["headers"],
                "body": body.decode("utf-8"),
                "bodySha256": hashlib.sha256(body).hexdigest(),
            },
        }
        (out / f"{name}.json").write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
        index.append(name)
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"wrote {len(index)} ACA-Py deliveries to {out} (acapy {commit[:12]})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--acapy", required=True, type=Path, help="path to a checkout of openwallet-foundation/acapy")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "test" / "fixtures" / "acapy" / "oracle")
    parser.add_argument("--commit", help="the checkout's commit, when it is not a git work tree (e.g. a `git archive` export)")
    args = parser.parse_args()
    if not (args.acapy / "acapy_agent" / "admin" / "server.py").exists():
        raise SystemExit(f"{args.acapy} is not an ACA-Py checkout (no acapy_agent/admin/server.py)")
    asyncio.run(run(args.acapy.resolve(), args.out.resolve(), args.commit))


if __name__ == "__main__":
    main()
