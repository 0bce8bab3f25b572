// The operator dashboard: polls the control plane's state endpoint and renders regions, PoPs, purges and keys.
// No framework and no build step: the control plane serves these three files as they are. Everything from the
// state is written with textContent, never as HTML: tenant names and key ids are data, not markup.
"use strict";

(() => {
  const meta = (name, fallback) => document.querySelector(`meta[name="${name}"]`)?.content || fallback;
  const params = new URLSearchParams(location.search);
  const stateUrl = params.get("state") || meta("edgeimages-state-url", "/v1/dashboard/state");
  const refreshMs = Number(params.get("refresh") || meta("edgeimages-refresh-ms", "2000"));
  const severity = { healthy: 0, degraded: 1, unhealthy: 2, down: 3 };

  let lastSuccess = null;
  let refreshes = 0;

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const lower = (text) => String(text ?? "unknown").toLowerCase();
  const badge = (text) => el("span", { class: `badge ${lower(text)}` }, lower(text));
  const percent = (ratio) => (ratio === null || ratio === undefined ? "–" : `${(ratio * 100).toFixed(1)}%`);
  const rate = (perSecond) => (perSecond === null || perSecond === undefined ? "–" : `${perSecond.toFixed(1)}/s`);

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
    if (seconds < 120) return `${seconds.toFixed(1)} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
    return `${Math.round(seconds / 86400)} d`;
  }

  function time(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "–" : date.toISOString().replace("T", " ").slice(0, 19) + "Z";
  }

  // A region is as healthy as its worst PoP.
  function regionHealth(region) {
    return (region.pops || []).reduce(
      (worst, pop) => (severity[lower(pop.health)] ?? 3) > (severity[worst] ?? 0) ? lower(pop.health) : worst,
      "healthy");
  }

  // Set through the CSSOM: the page's Content-Security-Policy allows no inline style attributes.
  function hitBar(ratio) {
    const bar = el("span");
    bar.style.width = `${Math.round((ratio ?? 0) * 100)}%`;
    return bar;
  }

  function renderPop(pop) {
    const hit = pop.hitRatio ?? null;
    const edges = (pop.edges || []).map((edge) => el("li", { "data-testid": `edge-${edge.instance}` },
      `${edge.instance}: ${lower(edge.health)}, config v${edge.configVersion} (${duration(edge.configAgeSeconds)} old)`));
    return el("article", { class: `pop ${lower(pop.health)}`, "data-testid": `pop-${pop.id}` },
      el("h4", {}, el("span", {}, `${pop.name} (${pop.id})`), badge(pop.health)),
      el("dl", {},
        el("dt", {}, "Routing"), el("dd", { "data-testid": `routing-${pop.id}` }, badge(pop.routing), pop.routedTo ? ` → ${pop.routedTo}` : ""),
        el("dt", {}, "Traffic"), el("dd", { "data-testid": `traffic-${pop.id}` }, rate(pop.requestsPerSecond)),
        el("dt", {}, "Hit ratio"), el("dd", { "data-testid": `hit-${pop.id}` }, percent(hit)),
        el("dt", {}, "5xx"), el("dd", {}, percent(pop.errorRatio))),
      el("div", { class: "hit-bar", title: `hit ratio ${percent(hit)}` }, hitBar(hit)),
      el("ul", { class: "edges" }, ...edges));
  }

  function renderRegions(regions) {
    const container = document.getElementById("regions");
    container.replaceChildren(...regions.map((region) => {
      const health = regionHealth(region);
      return el("section", { class: "region", "data-testid": `region-${region.id}` },
        el("h3", {}, `${region.name} (${region.id})`, badge(health)),
        region.routeOrder ? el("p", { class: "route", "data-testid": `route-${region.id}` },
          region.routeOrder.length ? `Clients here are routed to ${region.routeOrder.join(" → ")}` : "Clients here have no PoP to go to") : null,
        el("div", { class: "pops" }, ...(region.pops || []).map(renderPop)));
    }));
  }

  function renderPurges(purges, now) {
    document.getElementById("purges").replaceChildren(...purges.map((purge) => el("tr", { "data-testid": `purge-${purge.id}` },
      el("td", {}, time(purge.issuedAt)),
      el("td", {}, purge.tenant),
      el("td", {}, purge.target),
      el("td", {}, `${purge.appliedPops}/${purge.totalPops}`),
      el("td", {}, purge.lagSeconds !== null && purge.lagSeconds !== undefined
        ? duration(purge.lagSeconds)
        : purge.totalPops > 0 && purge.appliedPops >= purge.totalPops
          ? "applied"
          : `pending ${duration((now - new Date(purge.issuedAt)) / 1000)}`))));
  }

  function renderKeys(keys, now) {
    document.getElementById("keys").replaceChildren(...keys.map((key) => {
      const left = key.expiresAt ? (new Date(key.expiresAt) - now) / 1000 : null;
      return el("tr", { "data-testid": `key-${key.id}` },
        el("td", {}, key.id),
        el("td", {}, key.kind),
        el("td", {}, key.tenant ?? "–"),
        el("td", {}, badge(key.state)),
        el("td", { class: left !== null && left < 7 * 86400 ? "soon" : "" }, left === null ? "never" : left < 0 ? "expired" : `in ${duration(left)}`));
    }));
  }

  function render(state) {
    const now = new Date(state.generatedAt || Date.now());
    renderRegions(state.regions || []);
    renderPurges(state.purges || [], now);
    renderKeys(state.keys || [], now);
  }

  function showStatus(text, stale) {
    const status = document.getElementById("status");
    status.textContent = text;
    status.classList.toggle("stale", stale);
    status.dataset.refreshes = String(refreshes);
  }

  async function refresh() {
    try {
      const response = await fetch(stateUrl, { cache: "no-store", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const state = await response.json();
      render(state);
      refreshes++;
      lastSuccess = new Date();
      showStatus(`Live · config v${state.configVersion ?? "?"} · updated ${time(lastSuccess.toISOString())}`, false);
    } catch (error) {
      // Keep the last picture on screen, and say plainly that it is getting old.
      const since = lastSuccess ? ` since ${time(lastSuccess.toISOString())}` : "";
      showStatus(`Not updating${since}: ${error.message}`, true);
    } finally {
      setTimeout(refresh, refreshMs);
    }
  }

  refresh();
})();
