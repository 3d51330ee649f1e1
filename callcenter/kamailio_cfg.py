"""The kamailio.cfg template of a cluster's SIP proxy (Kamailio 5.6), filled by ``kamailio.py``.

Written from Kamailio's module documentation (registrar, usrloc, auth_db, dispatcher, tm), not
from a capture: it is checked with ``kamailio -c`` only. Markers ``@@NAME@@`` are replaced.
"""

TEMPLATE = r"""#!KAMAILIO
# Rendered by `callcenter kamailio-conf render` from callcenter's settings; edit those instead.
# The SIP proxy in front of the callcenter's FreeSWITCH nodes:
# - agents' phones REGISTER here (digest auth against @@AUTH_SOURCE@@, locations in memory);
# - hotline calls are spread over the nodes (dispatcher set 1, @@ALGORITHM_NAME@@), every node
#   probed with OPTIONS; a node that fails @@THRESHOLD@@ probes or a call is taken out until it
#   answers again, and the call tries the next node;
# - a node's call to an agent (user/<ext> with fs_path through this proxy) finds the phone in
#   the location table: every node reaches every phone;
# - a phone's own call goes to a node, marked with X-Callcenter-Agent (the node's public
#   dialplan sends it to the agents' context).

debug=2
log_stderror=no
log_facility=LOG_LOCAL0
fork=yes
children=4
auto_aliases=no
listen=udp:@@ADDRESS@@:@@PORT@@
listen=tcp:@@ADDRESS@@:@@PORT@@
alias="@@DOMAIN@@"

loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "@@DB_MODULE@@"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "dispatcher.so"

modparam("ctl", "binrpc", "@@CONTROL_SOCKET@@")
modparam("rr", "enable_full_lr", 1)
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "default_expires", 600)
modparam("auth_db", "db_url", "@@AUTH_DB_URL@@")
modparam("auth_db", "calculate_ha1", @@CALCULATE_HA1@@)
modparam("auth_db", "password_column", "@@PASSWORD_COLUMN@@")
modparam("auth_db", "use_domain", 0)
modparam("auth_db", "load_credentials", "")
modparam("dispatcher", "list_file", "@@DISPATCHER_LIST@@")
modparam("dispatcher", "flags", 2)
modparam("dispatcher", "ds_ping_method", "OPTIONS")
modparam("dispatcher", "ds_ping_from", "sip:proxy@@@DOMAIN@@")
modparam("dispatcher", "ds_ping_interval", @@PING_INTERVAL@@)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", @@THRESHOLD@@)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_reply_codes", "class=2;code=403;code=404;code=405")

request_route {
    if (!mf_process_maxfwd_header("10")) {
        sl_send_reply("483", "Too Many Hops");
        exit;
    }
    if (!sanity_check("17895", "7")) {
        exit;
    }
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {
        sl_send_reply("200", "Keepalive");
        exit;
    }
    if (has_totag()) {
        route(WITHINDLG);
        exit;
    }
    if (is_method("CANCEL")) {
        if (t_check_trans()) {
            route(RELAY);
        }
        exit;
    }
    if (!is_method("ACK")) {
        t_check_trans();
    }
    remove_hf("X-Callcenter-Agent");
    if (is_method("INVITE|SUBSCRIBE")) {
        record_route();
    }
    if (is_method("REGISTER")) {
        route(REGISTRAR);
        exit;
    }
    if (ds_is_from_list("1", "3")) {  # a node (any port, any transport)
        route(TO_PHONE);
        exit;
    }
    if (is_method("INVITE") && $rU =~ "@@HOTLINE_REGEX@@") {
        route(TO_NODES);
        exit;
    }
    if (is_method("INVITE")) {
        route(FROM_PHONE);
        exit;
    }
    sl_send_reply("403", "Forbidden");
    exit;
}

route[WITHINDLG] {
    if (loose_route()) {
        route(RELAY);
        exit;
    }
    if (is_method("ACK")) {
        if (t_check_trans()) {
            route(RELAY);
        }
        exit;
    }
    sl_send_reply("404", "Not here");
    exit;
}

route[REGISTRAR] {
    if (!auth_check("@@DOMAIN@@", "@@AUTH_TABLE@@", "1")) {
        auth_challenge("@@DOMAIN@@", "0");
        exit;
    }
    consume_credentials();
    if (!save("location")) {
        sl_reply_error();
    }
    exit;
}

# A node rings an agent: the phone's registered contact, wherever it registered.
route[TO_PHONE] {
    if (!lookup("location")) {
        send_reply("480", "Temporarily Unavailable");
        exit;
    }
    route(RELAY);
}

# An agent's phone places a call: authenticated here, handled by any live node.
route[FROM_PHONE] {
    if (!auth_check("@@DOMAIN@@", "@@AUTH_TABLE@@", "1")) {
        auth_challenge("@@DOMAIN@@", "0");
        exit;
    }
    consume_credentials();
    append_hf("X-Callcenter-Agent: $fU\r\n");
    route(TO_NODES);
}

route[TO_NODES] {
    if (!ds_select_dst("1", "@@ALGORITHM@@")) {
        send_reply("503", "No Node Available");
        exit;
    }
    t_on_failure("NEXT_NODE");
    route(RELAY);
}

route[RELAY] {
    if (!t_relay()) {
        sl_reply_error();
    }
    exit;
}

# The node did not answer (or refused): take it out until its probes succeed, try the next.
failure_route[NEXT_NODE] {
    if (t_is_canceled()) {
        exit;
    }
    if (t_check_status("500|503") || (t_branch_timeout() && !t_branch_replied())) {
        ds_mark_dst("ip");
        if (ds_next_dst()) {
            t_on_failure("NEXT_NODE");
            route(RELAY);
        }
    }
}
"""
