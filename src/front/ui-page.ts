/**
 * The dashboard at /ui: one self-contained page (no CDN, no fonts, no framework). Everything it
 * shows comes from the normal API with the signed-in user's credentials (kept in a variable for
 * the page's life, never stored), so it can do exactly what that user can do with curl. The
 * cluster pane polls /ui/cluster, which is root-only while auth is on.
 *
 * Data is written with textContent only: keys and values are never parsed as HTML.
 *
 * @module
 */
const css = `
body{font:14px system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#24303f;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header h1{font-size:16px;margin:0;flex:1}
main{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px}
section{background:#fff;border:1px solid #d8dce2;border-radius:6px;padding:10px}
section.wide{grid-column:1/3}
h2{font-size:14px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;font-family:ui-monospace,monospace;font-size:12px}
tr.leader td{background:#e7f6e7}
input{font:inherit;padding:2px 4px}
button{font:inherit;cursor:pointer}
.err{color:#b00020}
.path{font-family:ui-monospace,monospace}
#events{font-family:ui-monospace,monospace;font-size:12px;max-height:260px;overflow:auto;white-space:pre-wrap}
`;

const body = `
<header><h1>etcd at the edge</h1>
<form id="signin"><input id="user" placeholder="user" autocomplete="username" size="10"> <input id="password" type="password" placeholder="password" autocomplete="current-password" size="10"> <button>Sign in</button></form>
<span id="who" hidden><span id="whoName"></span> <button id="signout">Sign out</button></span>
</header>
<main>
<section class="wide"><h2>Cluster</h2><div id="clusterErr" class="err"></div>
<table id="cluster"><thead><tr><th>member</th><th>id</th><th>role</th><th>term</th><th>commit</th><th>applied</th><th>leader</th><th>quiesced</th><th>region hint</th></tr></thead><tbody></tbody></table></section>
<section><h2>Keys <span id="dir" class="path">/</span> <button id="up">up</button> <button id="refresh">refresh</button></h2><div id="keysErr" class="err"></div>
<table id="keys"><thead><tr><th>key</th><th>value</th><th>ttl</th><th>created</th><th>modified</th><th></th></tr></thead><tbody></tbody></table>
<form id="edit"><p><input id="key" placeholder="key (in this directory, or /absolute)" size="28"> <input id="value" placeholder="value" size="16"> <input id="ttl" placeholder="ttl s" size="4"></p>
<p><button id="put">put</button> <button id="mkdir" type="button">mkdir</button></p></form></section>
<section><h2>Watch</h2><form id="watch"><input id="watchDir" value="/" class="path" size="24"> <button id="watchBtn">watch</button></form><div id="watchErr" class="err"></div><div id="events"></div></section>
</main>`;

/** Runs in the browser: plain DOM and fetch (a string: this project type-checks for Workers, not the DOM). */
const clientJs = String.raw`
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let auth = "";
  let dir = "/";

  const api = (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (auth) headers.set("Authorization", auth);
    return fetch(path, { ...init, headers });
  };
  const keyUrl = (key) => "/v2/keys" + key.split("/").map(encodeURIComponent).join("/");
  const join = (d, k) => (k.startsWith("/") ? k : (d.endsWith("/") ? d : d + "/") + k);
  const cell = (tr, text) => {
    const td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    tr.appendChild(td);
    return td;
  };
  const failText = async (res) => {
    const t = await res.text();
    try {
      const j = JSON.parse(t);
      return res.status + " " + (j.message ?? "") + (j.cause ? " (" + j.cause + ")" : "");
    } catch {
      return res.status + " " + t;
    }
  };


  async function loadCluster() {
    try {
      const res = await api("/ui/cluster");
      const tbody = $("cluster").querySelector("tbody");
      if (res.status !== 200) {
        $("clusterErr").textContent = res.status === 401 ? "sign in as root to see the cluster" : await failText(res);
        tbody.replaceChildren();
        return;
      }
      $("clusterErr").textContent = "";
      const { members } = (await res.json());
      tbody.replaceChildren(
        ...members.map((m) => {
          const tr = document.createElement("tr");
          if (m.role === "StateLeader") tr.className = "leader";
          for (const k of ["name", "id", "role", "term", "commit", "applied", "leader", "quiesced", "hint"]) cell(tr, m.error && k === "role" ? "unreachable" : m[k]);
          return tr;
        }),
      );
    } catch (e) {
      $("clusterErr").textContent = String(e);
    }
  }

  async function loadKeys() {
    $("dir").textContent = dir;
    const res = await api(keyUrl(dir) + "?sorted=true");
    const tbody = $("keys").querySelector("tbody");
    if (res.status !== 200) {
      $("keysErr").textContent = await failText(res);
      tbody.replaceChildren();
      return;
    }
    $("keysErr").textContent = "";
    const { node } = (await res.json());
    const rows = (node.dir ? node.nodes ?? [] : [node]).map((n) => {
      const tr = document.createElement("tr");
      tr.dataset.key = n.key;
      const name = cell(tr, n.key + (n.dir ? "/" : ""));
      if (n.dir) {
        name.style.cursor = "pointer";
        name.style.color = "#0645ad";
        name.onclick = () => { dir = n.key; void loadKeys(); };
      } else {
        name.style.cursor = "pointer";
        name.onclick = () => { ($("key")).value = n.key; ($("value")).value = n.value ?? ""; };
      }
      cell(tr, n.dir ? "" : n.value);
      cell(tr, n.ttl);
      cell(tr, n.createdIndex);
      cell(tr, n.modifiedIndex);
      const del = document.createElement("button");
      del.textContent = "delete";
      del.onclick = async () => {
        const res = await api(keyUrl(n.key) + (n.dir ? "?dir=true&recursive=true" : ""), { method: "DELETE" });
        if (res.status !== 200) $("keysErr").textContent = await failText(res);
        await loadKeys();
      };
      tr.appendChild(document.createElement("td")).appendChild(del);
      return tr;
    });
    tbody.replaceChildren(...rows);
  }

  async function write(asDir) {
    const key = ($("key")).value.trim();
    if (!key) return;
    const form = new URLSearchParams();
    if (asDir) form.set("dir", "true");
    else form.set("value", ($("value")).value);
    const ttl = ($("ttl")).value.trim();
    if (ttl) form.set("ttl", ttl);
    const res = await api(keyUrl(join(dir, key)), { method: "PUT", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    $("keysErr").textContent = res.status === 200 || res.status === 201 ? "" : await failText(res);
    await loadKeys();
    void loadCluster();
  }

  let watching = null;

  async function watchLoop(path, signal) {
    const events = $("events");
    // Start after the index as of now, so nothing written from here on is missed.
    let next = 0;
    try {
      const head = await api(keyUrl(path), { signal });
      next = Number(head.headers.get("X-Etcd-Index") ?? "0") + 1;
    } catch {
      if (signal.aborted) return;
    }
    events.dataset.from = String(next);
    while (!signal.aborted) {
      const query = "?wait=true&recursive=true" + (next ? "&waitIndex=" + next : "");
      let res;
      try {
        res = await api(keyUrl(path) + query, { signal });
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (res.status !== 200) {
        const text = await failText(res);
        // 401 errorCode: the waited-for index left the history; carry on from now.
        if (res.status === 400 && text.includes("cleared")) { next = Number(res.headers.get("X-Etcd-Index") ?? "0") + 1; continue; }
        $("watchErr").textContent = text;
        return;
      }
      const ev = (await res.json());
      next = ev.node.modifiedIndex + 1;
      const line = document.createElement("div");
      line.textContent = ev.node.modifiedIndex + " " + ev.action + " " + ev.node.key + (ev.node.value !== undefined ? " = " + ev.node.value : "");
      events.prepend(line);
      if (!dir || ev.node.key.startsWith(dir)) void loadKeys();
      void loadCluster(); // commit and applied moved
    }
  }

  $("watch").onsubmit = (e) => {
    e.preventDefault();
    if (watching) {
      watching.abort();
      watching = null;
      $("watchBtn").textContent = "watch";
      return;
    }
    $("watchErr").textContent = "";
    watching = new AbortController();
    $("watchBtn").textContent = "stop";
    $("events").dataset.watching = ($("watchDir")).value;
    void watchLoop(($("watchDir")).value || "/", watching.signal);
  };
  $("edit").onsubmit = (e) => { e.preventDefault(); void write(false); };
  $("mkdir").onclick = () => void write(true);
  $("up").onclick = () => { dir = dir.replace(/\/[^/]*$/, "") || "/"; void loadKeys(); };
  $("refresh").onclick = () => void loadKeys();
  $("signin").onsubmit = (e) => {
    e.preventDefault();
    const user = ($("user")).value;
    auth = "Basic " + btoa(unescape(encodeURIComponent(user + ":" + ($("password")).value)));
    ($("password")).value = "";
    $("whoName").textContent = user;
    $("who").hidden = false;
    $("signin").hidden = true;
    void loadCluster();
    void loadKeys();
  };
  $("signout").onclick = () => {
    auth = "";
    $("who").hidden = true;
    $("signin").hidden = false;
    void loadCluster();
    void loadKeys();
  };
  void loadKeys();
  void loadCluster();
  setInterval(() => void loadCluster(), 2000);
})();
`;

export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>etcd at the edge</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>${css}</style></head>
<body>${body}
<script>${clientJs}</script>
</body></html>
`;
