"""The authorization matrix as data: for every URL name, the cases (which object, which
method) and for each persona the exact status code, plus what an allowed read must and must
not contain.

Web personas: ``stranger``, ``member`` (Mina), ``other_member`` (Omar), ``hidden_self`` (Hana,
the hidden person), ``organizer``, ``admin`` (see ``world.py``). API rows add keys: ``key``
(Olga's key with exactly the row's scope; it acts as Olga), ``admin_key`` (Ada's, with exactly
the scope), ``key_without`` (Olga's key with every scope but the row's), ``key_expired`` and
``key_revoked`` (every scope). Object names in ``kwargs``, ``query``, ``data``, ``shows`` and
``hides`` are keys of ``World.values``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.security.matrix.world import PERSONAS

KEY_PERSONAS = ("key", "admin_key", "key_without", "key_expired", "key_revoked")
MEMBERS = ("member", "other_member", "hidden_self")


@dataclass(frozen=True)
class Row:
    name: str  # URL name, with namespace
    case: str  # what is asked, for the test id
    expect: dict[str, int]
    method: str = "get"
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg -> World.values key
    literal: dict[str, str] = field(default_factory=dict)  # URL kwarg -> literal value
    path: str = ""  # instead of reversing the name (a catch-all pattern)
    also: tuple[int, ...] = ()  # statuses accepted besides ``expect`` (the health probe)
    query: str = ""  # "{key}" placeholders filled from World.values
    data: dict[str, Any] | None = None  # "{key}" placeholders filled from World.values
    scope: str | None = None  # API rows: the scope a key needs
    shows: dict[str, tuple[str, ...]] = field(default_factory=dict)  # persona -> value keys
    hides: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name} [{self.case}]"


def every(status: int, **over: int) -> dict[str, int]:
    """Everybody logged in gets ``status``; the stranger is sent to log in (302)."""
    return {"stranger": 302, **dict.fromkeys(PERSONAS[1:], status), **over}


def public(status: int = 200, **over: int) -> dict[str, int]:
    return {**dict.fromkeys(PERSONAS, status), **over}


def organizers(status: int = 200, **over: int) -> dict[str, int]:
    """Organizers and admins only: members are refused (403), the stranger logs in (302)."""
    return {"stranger": 302, **dict.fromkeys(MEMBERS, 403), **api_keys(status), **over}


def api_keys(status: int, admin: int | None = None) -> dict[str, int]:
    return {"organizer": status, "admin": status if admin is None else admin}


def api(status: int, scope: str | None, **over: int) -> dict[str, int]:
    """An API answer: the stranger gets 403 (no credentials), a key acts as its issuer."""
    cells = {"stranger": 403, **dict.fromkeys(PERSONAS[1:], status), **over}
    return with_keys(cells, scope)


def api_organizers(status: int, scope: str | None, **over: int) -> dict[str, int]:
    return api(status, scope, **dict.fromkeys(MEMBERS, 403), **over)


def with_keys(cells: dict[str, int], scope: str | None) -> dict[str, int]:
    keys = {
        "key": cells["organizer"],
        "admin_key": cells["admin"],
        "key_expired": 401,
        "key_revoked": 401,
    }
    if scope is not None:
        keys["key_without"] = 403
    return {**keys, **cells}


NAMES = ("other_member", "lina")  # listed people everyone logged in may see
LISTED_PEOPLE = ("member", "other_member", "lina")

WEB: list[Row] = [
    # --- Public and account pages ---------------------------------------------------------
    Row("home", "redirect", public(302)),
    # 503 when a required service is missing (no Celery worker in CI's Redis pass): the
    # probe answers everybody alike and names nobody.
    Row("healthz", "probe", public(200), also=(503,)),
    Row("login", "form", public(200)),
    Row("logout", "post", public(302), method="post"),
    Row("password_change", "form", every(200)),
    Row("password_change_done", "page", every(200)),
    Row("password_reset", "form", public(200)),
    Row("password_reset_done", "page", public(200)),
    Row(
        "password_reset_confirm",
        "bad token",
        public(200),
        literal={"uidb64": "MQ", "token": "bad-token"},
    ),
    Row("password_reset_complete", "page", public(200)),
    Row("admin_login", "form", public(200)),
    Row("accounts:login_code", "no password step pending", public(302)),
    Row(
        "accounts:sessions_end_others",
        "form",
        every(200),
    ),
    Row("accounts:invitations", "list", organizers(200)),
    Row(
        "accounts:invitation_revoke",
        "organizer's invitation",
        organizers(302),
        method="post",
        kwargs={"public_id": "invitation"},
    ),
    Row(
        "accounts:invite_accept",
        "valid link: for someone without a login",
        every(409, stranger=200),
        kwargs={"token": "invite_token"},
    ),
    Row(
        "accounts:invite_accept",
        "unknown link",
        public(404),
        literal={"token": "no-such-token"},
    ),
    Row("accounts:two_factor", "settings", organizers(200)),
    Row(
        "accounts:two_factor_disable",
        "without a code",
        organizers(400),
        method="post",
        data={},
    ),
    # --- People ---------------------------------------------------------------------------
    Row(
        "people:directory",
        "list",
        every(200),
        shows={
            "member": NAMES,
            "other_member": ("member", "lina"),
            "organizer": (*NAMES, "organizers_only"),
            "admin": (*NAMES, "organizers_only"),
            "hidden_self": (*NAMES, "hidden"),
        },
        hides={
            "member": ("organizers_only", "hidden"),
            "other_member": ("organizers_only", "hidden"),
            "hidden_self": ("organizers_only",),
            "organizer": ("hidden",),
            "admin": ("hidden",),
        },
    ),
    Row("people:organization_options", "links to the directory by organization", every(200)),
    Row("people:me", "own profile form", every(200)),
    Row("people:me_privacy", "empty form", every(200, admin=302), method="post", data={}),
    Row("people:me_causes", "empty form", every(200, admin=302), method="post", data={}),
    Row(
        "people:me_ties",
        "own ties",
        every(200, admin=302),
        shows={"member": ("tie_confirmed", "tie_mina_hana")},
        hides={"member": ("hidden", "tie_private"), "organizer": ("tie_private",)},
    ),
    Row("people:me_data", "own data", every(200)),
    Row("people:me_data_delete", "confirm form", every(200)),
    Row(
        "people:me_data_export",
        "json",
        every(200),
        literal={"fmt": "json"},
        hides={"member": ("hidden",)},
    ),
    Row(
        "people:tie_side",
        "confirmed tie of member and other_member",
        every(404, member=200, other_member=200),
        method="post",
        kwargs={"tie_id": "tie_confirmed"},
        data={"strength": "9"},
    ),
    Row(
        "people:tie_side",
        "private tie of lina and pia",
        every(404),
        method="post",
        kwargs={"tie_id": "tie_private"},
        data={"strength": "9"},
    ),
    Row(
        "people:tie_side",
        "disputed tie of organizer and pia",
        every(404, organizer=200),
        method="post",
        kwargs={"tie_id": "tie_disputed"},
        data={"strength": "9"},
    ),
    Row(
        "people:tie_side",
        "tie of member and the hidden person",
        every(404, member=200, hidden_self=200),
        method="post",
        kwargs={"tie_id": "tie_mina_hana"},
        data={"strength": "9"},
    ),
    Row(
        "people:profile",
        "listed person",
        every(200),
        kwargs={"public_id": "other_member"},
        shows={"member": ("member",), "other_member": ("member",)},
    ),
    Row(
        "people:profile",
        "the person themself",
        every(200),
        kwargs={"public_id": "member"},
        hides={"member": ("hidden",), "organizer": ("hidden",), "admin": ("hidden",)},
    ),
    Row(
        "people:profile",
        "listed person with a private tie",
        every(200),
        kwargs={"public_id": "lina"},
        hides={
            "member": ("pia", "hidden"),
            "other_member": ("pia", "hidden"),
            "organizer": ("hidden",),
        },
        shows={"organizer": ("pia",)},
    ),
    Row(
        "people:profile",
        "organizers-only person",
        every(404, organizer=200, admin=200),
        kwargs={"public_id": "organizers_only"},
    ),
    Row(
        "people:profile",
        "hidden person",
        every(404, hidden_self=200),
        kwargs={"public_id": "hidden"},
    ),
    Row("people:profile", "unknown person", every(404), kwargs={"public_id": "missing"}),
    Row(
        "people:record_tie",
        "listed person",
        every(200, admin=302),
        kwargs={"public_id": "lina"},
    ),
    Row(
        "people:record_tie",
        "organizers-only person",
        every(404, organizer=200, admin=302),
        kwargs={"public_id": "organizers_only"},
    ),
    Row(
        "people:record_tie",
        "hidden person",
        every(404, hidden_self=200),
        kwargs={"public_id": "hidden"},
    ),
    Row(
        "people:path_search_create",
        "listed target",
        every(302),
        method="post",
        kwargs={"public_id": "lina"},
    ),
    Row(
        "people:path_search_create",
        "organizers-only target",
        every(404, organizer=302, admin=302),
        method="post",
        kwargs={"public_id": "organizers_only"},
    ),
    Row(
        "people:path_search_create",
        "hidden target",
        every(404, hidden_self=302),
        method="post",
        kwargs={"public_id": "hidden"},
    ),
    Row(
        "people:path_search",
        "member's search",
        every(404, member=200, admin=200),
        kwargs={"public_id": "search"},
        shows={"member": ("tara",)},
        hides={"member": ("organizers_only", "hidden")},
    ),
    # --- Introductions -------------------------------------------------------------------
    Row(
        "people:introductions",
        "inbox",
        every(200),
        shows={"member": ("intro_to_member",), "other_member": ("intro_mine",)},
        hides={"hidden_self": ("intro_mine", "intro_to_member")},
    ),
    Row(
        "people:introductions",
        "tab: I asked",
        every(200),
        query="?tab=i-asked",
        shows={"member": ("intro_mine",)},
        hides={"member": ("intro_to_member",), "hidden_self": ("intro_mine", "intro_to_member")},
    ),
    Row(
        "people:introduction_new",
        "through a listed broker",
        every(200, admin=302),
        query="?target={lina}&broker={other_member}",
    ),
    Row(
        "people:introduction_new",
        "to the hidden person",
        every(404, hidden_self=200, admin=302),
        query="?target={hidden}&broker={other_member}",
    ),
    Row("people:introductions_network", "all", organizers(200)),
    Row(
        "people:introduction",
        "member asked other_member for lina",
        every(200, hidden_self=404),
        kwargs={"public_id": "intro_mine"},
    ),
    Row(
        "people:introduction",
        "lina asked other_member for member (reached)",
        every(200, hidden_self=404),
        kwargs={"public_id": "intro_to_member"},
    ),
    Row(
        "people:introduction_action",
        "withdraw member's request",
        every(403, member=302, hidden_self=404),
        method="post",
        kwargs={"public_id": "intro_mine"},
        literal={"action": "withdraw"},
    ),
    Row(
        "people:introduction_action",
        "target accepts (the broker's step is done: a no-op for him)",
        every(403, member=302, other_member=302, hidden_self=404),
        method="post",
        kwargs={"public_id": "intro_to_member"},
        literal={"action": "accept"},
    ),
    Row("people:notifications", "inbox", every(200)),
    Row("people:notifications_read", "mark read", every(302, admin=403), method="post"),
    # --- Causes, groups, weaving, runs ----------------------------------------------------
    Row("causes:list", "list", every(200)),
    Row("causes:detail", "cause", every(200), kwargs={"slug": "cause"}),
    Row("causes:detail", "unknown cause", every(404), literal={"slug": "no-such-cause"}),
    Row(
        "causes:groups",
        "list",
        every(200),
        shows={"member": ("group",), "other_member": ("group",), "organizer": ("group",)},
        hides={
            "member": ("group_hidden",),
            "hidden_self": ("group", "group_hidden"),
            "organizer": ("group_hidden",),
            "admin": ("group_hidden",),
        },
    ),
    Row(
        "causes:cause_groups",
        "cause",
        every(200),
        kwargs={"slug": "cause"},
        shows={"member": ("group",), "organizer": ("group",)},
        hides={"hidden_self": ("group", "group_hidden"), "organizer": ("group_hidden",)},
    ),
    Row(
        "causes:group_detail",
        "group of member, other_member, lina",
        every(200, hidden_self=404),
        kwargs={"public_id": "group"},
    ),
    Row(
        "causes:group_detail",
        "group with the hidden person",
        every(404),
        kwargs={"public_id": "group_hidden"},
    ),
    Row(
        "causes:group_convene",
        "group",
        every(403, hidden_self=404, organizer=302, admin=302),
        method="post",
        kwargs={"public_id": "group"},
        data={"message": "Tea on Monday"},
    ),
    Row(
        "causes:group_convene",
        "group with the hidden person",
        every(404),
        method="post",
        kwargs={"public_id": "group_hidden"},
        data={"message": "Tea on Monday"},
    ),
    Row(
        "causes:group_dismiss",
        "group",
        every(403, hidden_self=404, organizer=302, admin=302),
        method="post",
        kwargs={"public_id": "group"},
        data={"reason": "Not now"},
    ),
    Row(
        "causes:group_outcome",
        "group",
        every(403, hidden_self=404, organizer=302, admin=302),
        method="post",
        kwargs={"public_id": "group"},
        data={"outcome": "met"},
    ),
    Row(
        "causes:group_respond",
        "group",
        every(302, hidden_self=404, organizer=403, admin=403),
        method="post",
        kwargs={"public_id": "group"},
        data={"response": "accepted"},
    ),
    Row(
        "causes:weaving",
        "list",
        every(200),
        shows={"member": ("weaving",), "other_member": ("weaving",), "organizer": ("weaving",)},
        hides={
            "hidden_self": ("weaving",),
            "member": ("weaving_hidden",),
            "organizer": ("weaving_hidden",),
        },
    ),
    Row(
        "causes:weaving_dismiss",
        "suggestion for member (the broker may not)",
        every(302, other_member=403, hidden_self=404),
        method="post",
        kwargs={"public_id": "weaving"},
        data={"reason": "We met"},
    ),
    Row(
        "causes:weaving_dismiss",
        "suggestion through the hidden person",
        every(404),
        method="post",
        kwargs={"public_id": "weaving_hidden"},
        data={"reason": "We met"},
    ),
    Row("causes:runs", "list", organizers(200, **dict.fromkeys(MEMBERS, 404))),
    Row(
        "causes:run_create",
        "start",
        organizers(302),
        method="post",
        data={"cause": ""},
    ),
    Row(
        "causes:run_detail",
        "run",
        organizers(200, **dict.fromkeys(MEMBERS, 404)),
        kwargs={"public_id": "run"},
    ),
    # --- Dashboard -----------------------------------------------------------------------
    Row("dashboard:overview", "overview", organizers(200)),
    Row(
        "dashboard:audit",
        "log",
        organizers(200),
        hides={"organizer": ("hidden",), "admin": ("hidden",)},
    ),
    Row("dashboard:snapshot_create", "new snapshot", organizers(302), method="post"),
    Row("dashboard:map", "map page", organizers(200)),
    Row(
        "dashboard:map_data",
        "payload",
        organizers(200),
        shows={"organizer": (*LISTED_PEOPLE, "organizers_only")},
        hides={"organizer": ("hidden",), "admin": ("hidden",)},
    ),
    Row(
        "dashboard:table",
        "table",
        organizers(200),
        shows={"organizer": ("organizers_only",)},
        hides={"organizer": ("hidden",), "admin": ("hidden",)},
    ),
    Row(
        "dashboard:export",
        "graphml",
        organizers(200),
        literal={"fmt": "graphml"},
        hides={"organizer": ("hidden",)},
    ),
    Row(
        "dashboard:person",
        "listed person",
        organizers(200),
        kwargs={"public_id": "lina"},
    ),
    Row(
        "dashboard:person",
        "hidden person",
        organizers(404),
        kwargs={"public_id": "hidden"},
    ),
    Row(
        "dashboard:pair_path",
        "two listed people",
        organizers(302),
        method="post",
        kwargs={"public_id": "member", "other_id": "lina"},
    ),
    Row(
        "dashboard:pair_path",
        "to the hidden person",
        organizers(404),
        method="post",
        kwargs={"public_id": "member", "other_id": "hidden"},
    ),
    # --- Import and export ---------------------------------------------------------------
    Row("exchange:index", "page", organizers(200)),
    Row("exchange:upload", "no file", organizers(400), method="post", data={}),
    Row(
        "exchange:import_job",
        "organizer's import",
        organizers(200),
        kwargs={"public_id": "import_job"},
    ),
    Row(
        "exchange:confirm",
        "organizer's import, not checked yet",
        organizers(400),
        method="post",
        kwargs={"public_id": "import_job"},
        data={},
    ),
    Row(
        "exchange:rejected",
        "organizer's import, not checked yet",
        organizers(404),
        kwargs={"public_id": "import_job"},
    ),
    Row("exchange:template", "people", organizers(200), literal={"kind": "people"}),
    Row(
        "exchange:export",
        "csv",
        organizers(200),
        literal={"fmt": "csv"},
    ),
    # --- API keys (web pages) ------------------------------------------------------------
    Row("api_keys:list", "list", organizers(200)),
    Row(
        "api_keys:revoke",
        "organizer's key",
        organizers(302),
        method="post",
        kwargs={"public_id": "api_key"},
    ),
]

P_READ, P_WRITE = "people:read", "people:write"
T_READ, T_WRITE = "ties:read", "ties:write"
I_READ, I_WRITE = "introductions:read", "introductions:write"
G_READ, G_WRITE = "groups:read", "groups:write"
EXCHANGE, PATHS, HOOKS = "exchange:run", "paths:run", "webhooks:manage"
HIDDEN_TO_ALL_BUT_SELF = {"hidden_self": 200}
SIDE = {
    "strength": 4,
    "status": "confirmed",
    "allows_introductions": True,
    "visible_to_members": True,
}

API: list[Row] = [
    Row("api:api-root", "index", api(200, None)),
    Row("api:schema", "OpenAPI (public documentation)", with_keys(public(200), None)),
    Row("api:docs", "Swagger UI (public documentation)", with_keys(public(200), None)),
    Row(
        "api:not-found",
        "unknown path: 404 before any credentials are read",
        {**with_keys(public(404), None), "key_expired": 404, "key_revoked": 404},
        path="/api/v1/nothing/here/",
    ),
    Row("api:me", "who am I", api(200, None)),
    # people
    Row(
        "api:person-list",
        "list",
        api(200, P_READ),
        scope=P_READ,
        shows={"member": LISTED_PEOPLE, "organizer": (*LISTED_PEOPLE, "organizers_only")},
        hides={
            "member": ("organizers_only", "hidden"),
            "organizer": ("hidden",),
            "admin": ("hidden",),
            "key": ("hidden",),
        },
    ),
    Row(
        "api:person-list",
        "create",
        api(201, P_WRITE, **dict.fromkeys(MEMBERS, 403)),
        method="post",
        scope=P_WRITE,
        data={"display_name": "New Person"},
    ),
    Row(
        "api:person-sync",
        "feed",
        api(200, P_READ),
        scope=P_READ,
        hides={"member": ("organizers_only", "hidden"), "organizer": ("hidden",)},
    ),
    Row(
        "api:person-detail",
        "listed person",
        api(200, P_READ),
        scope=P_READ,
        kwargs={"public_id": "lina"},
    ),
    Row(
        "api:person-detail",
        "organizers-only person",
        api(200, P_READ, **dict.fromkeys(MEMBERS, 404)),
        scope=P_READ,
        kwargs={"public_id": "organizers_only"},
    ),
    Row(
        "api:person-detail",
        "hidden person",
        api(404, P_READ, **HIDDEN_TO_ALL_BUT_SELF),
        scope=P_READ,
        kwargs={"public_id": "hidden"},
    ),
    Row(
        "api:person-detail",
        "the member's own person",
        api(200, P_WRITE, other_member=403, hidden_self=403, organizer=403),
        method="patch",
        scope=P_WRITE,
        kwargs={"public_id": "member"},
        data={"headline": "Cook"},
    ),
    Row(
        "api:person-external",
        "hidden person's external id",
        api(404, P_READ),
        scope=P_READ,
        kwargs={"source": "hidden_source", "external_id": "hidden_external_id"},
    ),
    Row("api:organization-list", "list", api(200, P_READ), scope=P_READ),
    Row(
        "api:organization-detail",
        "an organization only the hidden person belongs to",
        api(404, P_READ, **HIDDEN_TO_ALL_BUT_SELF),
        scope=P_READ,
        kwargs={"public_id": "hidden_organization"},
    ),
    Row("api:affiliation-list", "list", api(200, P_READ), scope=P_READ),
    # ties
    Row(
        "api:tie-list",
        "list",
        api(200, T_READ),
        scope=T_READ,
        shows={"member": ("tie_confirmed",), "organizer": ("tie_private", "tie_disputed")},
        hides={
            "member": ("tie_private", "tie_disputed", "tie_hidden"),
            "other_member": ("tie_private", "tie_disputed", "tie_hidden"),
            "organizer": ("tie_hidden",),
            "admin": ("tie_hidden",),
            "key": ("tie_hidden",),
        },
    ),
    Row(
        "api:tie-list",
        "record a tie between two other people",
        api(201, T_WRITE, **dict.fromkeys(MEMBERS, 403)),
        method="post",
        scope=T_WRITE,
        data={"person": "{lina}", "other": "{tara}", "strength": 3},
    ),
    Row(
        "api:tie-sync",
        "feed",
        api(200, T_READ),
        scope=T_READ,
        hides={
            "member": ("tie_private", "tie_disputed", "tie_hidden"),
            "organizer": ("tie_hidden",),
        },
    ),
    Row(
        "api:tie-detail",
        "confirmed tie",
        api(200, T_READ),
        scope=T_READ,
        kwargs={"public_id": "tie_confirmed"},
    ),
    Row(
        "api:tie-detail",
        "private tie",
        api(200, T_READ, **dict.fromkeys(MEMBERS, 404)),
        scope=T_READ,
        kwargs={"public_id": "tie_private"},
    ),
    Row(
        "api:tie-detail",
        "disputed tie",
        api(200, T_READ, **dict.fromkeys(MEMBERS, 404)),
        scope=T_READ,
        kwargs={"public_id": "tie_disputed"},
    ),
    Row(
        "api:tie-detail",
        "tie with the hidden person",
        api(404, T_READ, **HIDDEN_TO_ALL_BUT_SELF),
        scope=T_READ,
        kwargs={"public_id": "tie_hidden"},
    ),
    Row(
        "api:tie-external",
        "private tie's external id",
        api(200, T_READ, **dict.fromkeys(MEMBERS, 404)),
        scope=T_READ,
        kwargs={"source": "private_source", "external_id": "private_external_id"},
    ),
    Row(
        "api:tie-side",
        "member's side of a confirmed tie (a key's issuer is not in it)",
        api(200, T_WRITE, hidden_self=404, organizer=404, admin=404),
        method="post",
        scope=T_WRITE,
        kwargs={"public_id": "tie_confirmed"},
        data=SIDE,
    ),
    Row(
        "api:tie-side",
        "private tie of lina and pia",
        api(404, T_WRITE),
        method="post",
        scope=T_WRITE,
        kwargs={"public_id": "tie_private"},
        data=SIDE,
    ),
    # causes and interests
    Row("api:cause-list", "list", api(200, P_READ), scope=P_READ),
    Row("api:cause-detail", "cause", api(200, P_READ), scope=P_READ, kwargs={"slug": "cause"}),
    Row(
        "api:interest-list",
        "list",
        api(200, P_READ),
        scope=P_READ,
        hides={"member": ("hidden",), "organizer": ("hidden",)},
    ),
    Row(
        "api:metrics-latest",
        "latest snapshot",
        api_organizers(200, "metrics:read"),
        scope="metrics:read",
    ),
    # introductions
    Row(
        "api:introduction-list",
        "list",
        api(200, I_READ),
        scope=I_READ,
        shows={"member": ("intro_mine", "intro_to_member"), "organizer": ("intro_mine",)},
        hides={"hidden_self": ("intro_mine", "intro_to_member")},
    ),
    Row(
        "api:introduction-list",
        "ask for the hidden person (refused as if unknown)",
        api(400, I_WRITE),
        method="post",
        scope=I_WRITE,
        data={"target": "{hidden}", "broker": "{other_member}", "message": "Hello"},
    ),
    Row(
        "api:introduction-detail",
        "member's request",
        api(200, I_READ, hidden_self=404),
        scope=I_READ,
        kwargs={"public_id": "intro_mine"},
    ),
    Row(
        "api:introduction-detail",
        "request to member (reached)",
        api(200, I_READ, hidden_self=404),
        scope=I_READ,
        kwargs={"public_id": "intro_to_member"},
    ),
    Row(
        "api:introduction-accept",
        "target accepts (the broker's step is done: a no-op for him)",
        api(403, I_WRITE, member=200, other_member=200, hidden_self=404),
        method="post",
        scope=I_WRITE,
        kwargs={"public_id": "intro_to_member"},
    ),
    Row(
        "api:introduction-decline",
        "target declines",
        api(403, I_WRITE, member=200, hidden_self=404),
        method="post",
        scope=I_WRITE,
        kwargs={"public_id": "intro_to_member"},
        data={"reason": "Busy"},
    ),
    Row(
        "api:introduction-forward",
        "broker already passed it on; the target has nobody to forward to",
        api(403, I_WRITE, member=400, hidden_self=404),
        method="post",
        scope=I_WRITE,
        kwargs={"public_id": "intro_to_member"},
    ),
    Row(
        "api:introduction-withdraw",
        "requester withdraws",
        api(403, I_WRITE, member=200, hidden_self=404),
        method="post",
        scope=I_WRITE,
        kwargs={"public_id": "intro_mine"},
    ),
    Row(
        "api:introduction-record-outcome",
        "not made yet",
        api(403, I_WRITE, member=400, hidden_self=404),
        method="post",
        scope=I_WRITE,
        kwargs={"public_id": "intro_mine"},
        data={"met": True, "rating": 4},
    ),
    # path searches
    Row(
        "api:path-search-list",
        "from me to lina",
        api(202, PATHS, admin=400),
        method="post",
        scope=PATHS,
        data={"target": "{lina}"},
    ),
    Row(
        "api:path-search-list",
        "to the hidden person",
        api(400, PATHS, hidden_self=400),
        method="post",
        scope=PATHS,
        data={"target": "{hidden}"},
    ),
    Row(
        "api:path-search-detail",
        "member's search",
        api(404, PATHS, member=200, admin=200),
        scope=PATHS,
        kwargs={"public_id": "search"},
        hides={"member": ("organizers_only", "hidden"), "admin": ("hidden",)},
    ),
    # groups, weaving, runs
    Row(
        "api:group-list",
        "list",
        api(200, G_READ),
        scope=G_READ,
        shows={"member": ("group",), "organizer": ("group",)},
        hides={
            "hidden_self": ("group", "group_hidden"),
            "member": ("group_hidden",),
            "organizer": ("group_hidden",),
        },
    ),
    Row(
        "api:group-detail",
        "group of member, other_member, lina",
        api(200, G_READ, hidden_self=404),
        scope=G_READ,
        kwargs={"public_id": "group"},
    ),
    Row(
        "api:group-detail",
        "group with the hidden person",
        api(404, G_READ),
        scope=G_READ,
        kwargs={"public_id": "group_hidden"},
    ),
    Row(
        "api:group-convene",
        "group",
        api(200, G_WRITE, member=403, other_member=403, hidden_self=404),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "group"},
        data={"message": "Tea on Monday"},
    ),
    Row(
        "api:group-convene",
        "group with the hidden person",
        api(404, G_WRITE),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "group_hidden"},
        data={"message": "Tea"},
    ),
    Row(
        "api:group-dismiss",
        "group",
        api(200, G_WRITE, member=403, other_member=403, hidden_self=404),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "group"},
        data={"reason": "Not now"},
    ),
    Row(
        "api:group-outcome",
        "group not convened yet",
        api(400, G_WRITE, member=403, other_member=403, hidden_self=404),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "group"},
        data={"outcome": "met"},
    ),
    Row(
        "api:group-respond",
        "group not convened yet (members in it may answer once convened)",
        api(400, G_WRITE, hidden_self=404, organizer=403, admin=403),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "group"},
        data={"response": "accepted"},
    ),
    Row(
        "api:weaving-suggestion-list",
        "list",
        api(200, G_READ),
        scope=G_READ,
        shows={"member": ("weaving",), "organizer": ("weaving",)},
        hides={"hidden_self": ("weaving",), "organizer": ("weaving_hidden",)},
    ),
    Row(
        "api:weaving-suggestion-detail",
        "suggestion for member",
        api(200, G_READ, hidden_self=404),
        scope=G_READ,
        kwargs={"public_id": "weaving"},
    ),
    Row(
        "api:weaving-suggestion-detail",
        "suggestion through the hidden person",
        api(404, G_READ),
        scope=G_READ,
        kwargs={"public_id": "weaving_hidden"},
    ),
    Row(
        "api:weaving-suggestion-dismiss",
        "suggestion for member (the broker may not)",
        api(204, G_WRITE, other_member=403, hidden_self=404),
        method="post",
        scope=G_WRITE,
        kwargs={"public_id": "weaving"},
        data={"reason": "We met"},
    ),
    Row(
        "api:suggestion-run-list",
        "list",
        api_organizers(200, G_READ),
        scope=G_READ,
    ),
    Row(
        "api:suggestion-run-list",
        "start",
        api_organizers(202, G_WRITE),
        method="post",
        scope=G_WRITE,
        data={"cause": "{cause}"},
    ),
    Row(
        "api:suggestion-run-detail",
        "run",
        api_organizers(200, G_READ),
        scope=G_READ,
        kwargs={"public_id": "run"},
    ),
    # import and export
    Row("api:import-job-list", "no list", api(405, EXCHANGE), scope=EXCHANGE),
    Row(
        "api:import-job-list",
        "upload a file",
        api_organizers(202, EXCHANGE),
        method="post",
        scope=EXCHANGE,
        data={"file": "@csv"},
    ),
    Row(
        "api:import-job-detail",
        "organizer's import",
        api_organizers(200, EXCHANGE),
        scope=EXCHANGE,
        kwargs={"public_id": "import_job"},
    ),
    Row(
        "api:import-job-confirm",
        "not checked yet",
        api_organizers(400, EXCHANGE),
        method="post",
        scope=EXCHANGE,
        kwargs={"public_id": "import_job"},
        data={},
    ),
    Row(
        "api:import-job-rejected",
        "not checked yet",
        api_organizers(404, EXCHANGE),
        scope=EXCHANGE,
        kwargs={"public_id": "import_job"},
    ),
    Row(
        "api:export-detail",
        "kumu",
        api_organizers(200, EXCHANGE),
        scope=EXCHANGE,
        literal={"fmt": "kumu"},
        hides={"organizer": ("hidden",), "admin": ("hidden",)},
    ),
    # webhooks
    Row("api:webhook-list", "list", api_organizers(200, HOOKS), scope=HOOKS),
    Row(
        "api:webhook-list",
        "register a refused URL",
        api_organizers(400, HOOKS),
        method="post",
        scope=HOOKS,
        data={"url": "ftp://nowhere", "events": ["tie.created"]},
    ),
    Row(
        "api:webhook-detail",
        "organizer's webhook (each webhook is its owner's)",
        api_organizers(200, HOOKS, admin=404),
        scope=HOOKS,
        kwargs={"public_id": "webhook"},
    ),
    Row(
        "api:webhook-deliveries",
        "organizer's webhook (each webhook is its owner's)",
        api_organizers(200, HOOKS, admin=404),
        scope=HOOKS,
        kwargs={"public_id": "webhook"},
    ),
    Row(
        "api:webhook-ping",
        "organizer's webhook (each webhook is its owner's)",
        api_organizers(202, HOOKS, admin=404),
        method="post",
        scope=HOOKS,
        kwargs={"public_id": "webhook"},
    ),
]

ROWS = WEB + API

# Routes proven elsewhere: the Django admin (tests/security/matrix/test_routes.py checks that
# only staff get in) and the static/media handlers (none are routed in production).
ADMIN_NAMESPACE = "admin"
