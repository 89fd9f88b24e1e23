/* App Connect local console: the App Connect extension's part, played in a page.
 *
 * Every step sends what the extension sends, to the same public routes (/crmManifest, /userInfoHash,
 * /oauth-callback, /apiKeyLogin, /user/settings, /contact, /callLog, /callDisposition, /messageLog,
 * /unAuthorize, /authValidation), with the payload shapes of the real client. RingCentral's sign-in and
 * Bullhorn's consent page are reached through the local stack's doorway (/__local/console/sandbox/...),
 * Pipedrive's consent page in a pop-up, as the extension does. The side panels read the sandbox through
 * /__local/console/records and /journal (read only). Plain JavaScript: no framework, no build step.
 */
(function () {
  "use strict";

  const PREFIX = "/__local/console";
  const $ = (id) => document.getElementById(id);

  // -- secrets: masked in everything the page shows (the rules of local/console/masking.py) -----------------

  const MASK = "••••••";
  const SECRET_KEY =
    /token|secret|password|^(?:authorization|proxy-authorization|cookie|set-cookie|code|api_?keys?|user_?key|credentials?)$/i;
  const NOT_SECRET_KEY = /(?:url|uri|type|kind|expires_in|expires_at|expiry|ttl|rotation)$/i;
  const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/g;
  const SANDBOX_CREDENTIAL = /\b(sbx-[a-z]{2}-[a-z]+-)\d{6}-[0-9a-f]{8}\b/g;
  const SECRET_PARAMETER =
    /((?:^|[?&#\s"']|%26|%3F)(?:code|access_token|refresh_token|id_token|client_secret|password|apiKey|api_key|jwtToken|BhRestToken|rcAccessToken|token)(?:=|%3D))((?:(?!%26)[^&#\s"'])+)/gi;
  const AUTHORIZATION = /^(Basic|Bearer|Userkeyauth)\s+\S.*$/i;
  /** secrets this page has held (tokens it received, keys it sent): masked wherever they appear */
  const knownSecrets = new Set();

  function remember(secret) {
    if (typeof secret === "string" && secret.length >= 6) knownSecrets.add(secret);
  }

  function isSecretKey(key) {
    return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
  }

  function maskText(value) {
    let text = String(value);
    text = text.replace(SANDBOX_CREDENTIAL, "$1" + MASK).replace(JWT, MASK).replace(SECRET_PARAMETER, "$1" + MASK);
    knownSecrets.forEach((secret) => {
      text = text.split(secret).join(MASK);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) text = text.split(encoded).join(MASK);
    });
    return text;
  }

  function maskSecret(value) {
    if (value === null || value === undefined || value === "" || typeof value === "boolean") return value;
    if (typeof value === "string") {
      if (value.includes(MASK)) return value;
      const scheme = AUTHORIZATION.exec(value);
      if (scheme) return `${scheme[1]} ${MASK}`;
      const credential = /^(sbx-[a-z]{2}-[a-z]+-)\d{6}-[0-9a-f]{8}$/.exec(value);
      return credential ? credential[1] + MASK : MASK;
    }
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.map(maskSecret);
    return MASK;
  }

  function mask(document) {
    if (Array.isArray(document)) return document.map(mask);
    if (document && typeof document === "object") {
      const out = {};
      for (const [key, value] of Object.entries(document)) out[key] = isSecretKey(key) ? maskSecret(value) : mask(value);
      return out;
    }
    return typeof document === "string" ? maskText(document) : document;
  }

  function collectSecrets(document, key) {
    if (Array.isArray(document)) document.forEach((item) => collectSecrets(item, key));
    else if (document && typeof document === "object") {
      for (const [name, value] of Object.entries(document)) collectSecrets(value, name);
    } else if (key && isSecretKey(key)) remember(document);
  }

  // -- small helpers ----------------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") element.className = value;
      else if (key === "text") element.textContent = value;
      else if (key === "dataset") Object.assign(element.dataset, value);
      else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  const pretty = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));
  const query = (params) =>
    new URLSearchParams(
      Object.entries(params).filter(([, value]) => value !== undefined && value !== null).map(([k, v]) => [k, String(v)])
    ).toString();
  const title = (name) => name.charAt(0).toUpperCase() + name.slice(1);
  const randomDigits = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b % 10).join("").replace(/^0/, "1");
  const randomState = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

  class Failure extends Error {
    constructor(what, answer, status) {
      const message = answer && answer.returnMessage ? answer.returnMessage : null;
      super(`${what} failed${status ? ` (HTTP ${status})` : ""}${message && message.message ? `: ${message.message}` : ""}`);
      this.returnMessage = message;
      this.answer = answer;
    }
  }

  // -- state ------------------------------------------------------------------------------------------------

  const S = {
    catalog: null,
    crm: null, // the catalog's entry of the chosen CRM
    manifest: null,
    platform: null, // manifest.platforms[crm]
    rc: null, // the RingCentral sign-in: token, ids, name, number, hashes
    jwt: "",
    user: null, // {name, recordId}
    number: "",
    contacts: [],
    placeholder: null,
    contact: null, // the contact logs are written against
    dispositionOptions: {},
    call: null, // {sessionId, logId, startTime, duration, direction, from, to}
    sms: null, // {conversationId, conversationLogId, messages}
    busy: false,
  };

  const steps = {};

  function setupSteps() {
    document.querySelectorAll(".step").forEach((section) => {
      const side = section.querySelector(".step-side");
      side.append($("side-template").content.cloneNode(true));
      steps[section.dataset.step] = {
        name: section.dataset.step,
        section,
        answer: section.querySelector(".answer"),
        record: side.querySelector(".record-body"),
        exchanges: side.querySelector(".exchange-list"),
        exchangeCount: side.querySelector(".exchange .count"),
        journal: side.querySelector(".journal-list"),
        journalCount: side.querySelector(".journal .count"),
      };
    });
  }

  function fatal(message) {
    const box = $("fatal");
    box.textContent = message;
    box.hidden = false;
  }

  // -- HTTP, recorded in the step's exchange panel ------------------------------------------------------------

  async function send(step, spec) {
    const headers = Object.assign({}, spec.headers || {});
    let body;
    if (spec.body !== undefined) {
      if (typeof spec.body === "string") {
        body = spec.body;
        headers["Content-Type"] = headers["Content-Type"] || "application/x-www-form-urlencoded";
      } else {
        body = JSON.stringify(spec.body);
        headers["Content-Type"] = "application/json";
      }
    }
    const shownUrl = spec.shownUrl || new URL(spec.url, location.origin).href;
    const started = performance.now();
    let response;
    let text = "";
    try {
      response = await fetch(spec.url, { method: spec.method, headers, body, redirect: "follow", credentials: "omit", cache: "no-store" });
      text = await response.text();
    } catch (error) {
      recordExchange(step, { method: spec.method, url: shownUrl, via: spec.via, headers, body, status: 0, responseHeaders: {}, text: String(error), ms: performance.now() - started });
      throw new Error(`${spec.method} ${maskText(shownUrl)}: ${error.message}`);
    }
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch (error) {
      json = undefined;
    }
    collectSecrets(json);
    const responseHeaders = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const refreshed = response.headers.get("x-refreshed-jwt-token");
    if (refreshed) {
      remember(refreshed);
      S.jwt = refreshed;
    }
    recordExchange(step, {
      method: spec.method,
      url: shownUrl,
      via: spec.via,
      headers,
      body,
      status: response.status,
      responseHeaders,
      text,
      json,
      ms: performance.now() - started,
    });
    return { status: response.status, ok: response.ok, json, text, headers: response.headers };
  }

  function apiHeaders(extra) {
    const headers = {};
    if (S.jwt) headers.Authorization = `Bearer ${S.jwt}`;
    if (S.rc && S.rc.hashes) {
      headers["rc-extension-id"] = S.rc.hashes.extensionId;
      headers["rc-account-id"] = S.rc.hashes.accountId;
    }
    return Object.assign(headers, extra || {});
  }

  function api(step, method, path, options) {
    const opts = options || {};
    const url = path + (opts.query ? `?${query(opts.query)}` : "");
    const headers = opts.anonymous ? Object.assign({}, opts.headers) : apiHeaders(opts.headers);
    return send(step, { method, url, body: opts.body, headers });
  }

  /** A request to RingCentral or a CRM sign-in page, through the console's doorway (see local/console/app.py). */
  function doorway(step, method, sandboxUrl, options) {
    const opts = options || {};
    const base = S.catalog.sandbox;
    if (!sandboxUrl.startsWith(`${base}/`)) throw new Error(`not a sandbox address: ${sandboxUrl}`);
    return send(step, {
      method,
      url: `${PREFIX}/sandbox${sandboxUrl.slice(base.length)}`,
      shownUrl: sandboxUrl,
      via: "a client's own request to RingCentral or the CRM, sent through the local stack's doorway",
      headers: opts.headers,
      body: opts.body,
    });
  }

  function expectOk(result, what) {
    if (!result.ok || (result.json && result.json.successful === false)) throw new Failure(what, result.json, result.ok ? 0 : result.status);
    return result.json;
  }

  function rcTokenHeader() {
    return S.rc ? { "X-RC-Access-Token": S.rc.token } : {};
  }

  // -- the side panels ------------------------------------------------------------------------------------------

  function statusClass(status) {
    if (status >= 200 && status < 300) return "ok";
    if (status >= 300 && status < 400) return "redirect";
    return "bad";
  }

  function headerLines(headers) {
    return Object.entries(mask(headers || {}))
      .map(([name, value]) => `${name}: ${maskText(value)}`)
      .join("\n");
  }

  function bodyText(json, text) {
    if (json !== undefined) return pretty(mask(json));
    return maskText(text || "");
  }

  function recordExchange(step, e) {
    const url = new URL(e.url, location.origin);
    const requestText = [`${e.method} ${maskText(e.url)}`, headerLines(e.headers), e.body ? `\n${bodyOfRequest(e.body)}` : ""]
      .filter(Boolean)
      .join("\n");
    const responseText = [`${e.status}`, headerLines(e.responseHeaders), `\n${bodyText(e.json, e.text)}`].join("\n");
    const entry = h(
      "details",
      { class: "entry", dataset: { method: e.method, path: url.pathname, status: String(e.status) } },
      h(
        "summary",
        {},
        h("span", { class: "method", text: e.method }),
        h("span", { class: "url", text: maskText(url.origin === location.origin ? url.pathname + url.search : e.url) }),
        h("span", { class: `status ${statusClass(e.status)}`, text: e.status ? String(e.status) : "failed" }),
        h("span", { class: "ms", text: `${Math.round(e.ms)} ms` })
      ),
      h(
        "div",
        { class: "io" },
        e.via ? h("p", { class: "via muted", text: e.via }) : null,
        h("h5", { text: "request" }),
        h("pre", { class: "request", text: requestText }),
        h("h5", { text: "response" }),
        h("pre", { class: "response", text: responseText })
      )
    );
    // the newest exchange stays open: what the last request and its answer were, at a glance
    step.exchanges.querySelectorAll(".entry[open]").forEach((older) => older.removeAttribute("open"));
    entry.open = true;
    step.exchanges.append(h("li", {}, entry));
    step.exchangeCount.textContent = String(step.exchanges.querySelectorAll(".entry").length);
  }

  function bodyOfRequest(body) {
    try {
      return pretty(mask(JSON.parse(body)));
    } catch (error) {
      return maskText(body);
    }
  }

  /** A browser navigation the page cannot read as a fetch (the OAuth pop-up), shown with what came back. */
  function recordNavigation(step, url, outcome, ms) {
    const entry = h(
      "details",
      { class: "entry", dataset: { method: "GET", path: new URL(url).pathname, status: "302" } },
      h(
        "summary",
        {},
        h("span", { class: "method", text: "GET" }),
        h("span", { class: "url", text: maskText(url) }),
        h("span", { class: "status redirect", text: "pop-up" }),
        h("span", { class: "ms", text: `${Math.round(ms)} ms` })
      ),
      h("div", { class: "io" }, h("p", { class: "via muted", text: "the CRM's consent page, opened in a pop-up as the extension opens it" }), h("pre", { text: maskText(outcome) }))
    );
    step.exchanges.append(h("li", {}, entry));
    step.exchangeCount.textContent = String(step.exchanges.querySelectorAll(".entry").length);
  }

  async function readRecords(params) {
    const response = await fetch(`${PREFIX}/records?${query(Object.assign({ crm: S.crm.name }, params))}`, { cache: "no-store" });
    const json = await response.json();
    if (!response.ok) throw new Error(json.message || `records: HTTP ${response.status}`);
    return json.records;
  }

  function idOf(item) {
    if (item.id !== undefined && item.id !== null) return item.id;
    const record = item.record || {};
    return record.id ?? record.CONTACT_ID ?? record.LEAD_ID ?? record.EVENT_ID ?? record.USER_ID ?? "";
  }

  function showRecords(step, items, emptyText) {
    step.record.replaceChildren();
    if (!items.length) {
      step.record.append(h("p", { class: "muted", text: emptyText }));
      return;
    }
    for (const item of items) {
      const id = idOf(item);
      step.record.append(
        h(
          "div",
          { class: "record-item", dataset: { collection: item.collection, id: String(id), tag: item.tag || "" } },
          h("h4", {}, `${item.collection}${id !== "" ? ` #${id}` : ""}`, item.tag ? h("span", { class: `tag ${item.tag}`, text: item.tag }) : null),
          h("pre", { text: pretty(mask(item.record)) })
        )
      );
    }
  }

  async function showRecordsSafely(step, load, emptyText) {
    try {
      showRecords(step, await load(), emptyText);
    } catch (error) {
      showRecords(step, [], `The sandbox record could not be read: ${error.message}`);
    }
  }

  async function journalMarks() {
    const marks = {};
    for (const system of [S.crm.name, "ringcentral"]) {
      try {
        const response = await fetch(`${PREFIX}/journal?${query({ system })}`, { cache: "no-store" });
        marks[system] = (await response.json()).last || 0;
      } catch (error) {
        marks[system] = null;
      }
    }
    return marks;
  }

  async function showJournal(step, marks) {
    for (const [system, after] of Object.entries(marks)) {
      if (after === null) continue;
      const response = await fetch(`${PREFIX}/journal?${query({ system, after })}`, { cache: "no-store" });
      if (!response.ok) continue;
      for (const entry of (await response.json()).requests || []) {
        const details = mask({ query: entry.query, headers: entry.headers, json: entry.json, form: entry.form, text: entry.text });
        step.journal.append(
          h(
            "li",
            {},
            h(
              "details",
              { class: "entry", dataset: { system, method: entry.method, path: entry.path, status: String(entry.status) } },
              h(
                "summary",
                {},
                h("span", { class: "method", text: entry.method }),
                h("span", { class: "url", text: `${system} ${entry.path}` }),
                h("span", { class: `status ${statusClass(entry.status || 0)}`, text: entry.status === null ? "dropped" : String(entry.status) }),
                h("span", { class: "ms", text: `${Math.round(entry.duration_ms || 0)} ms` })
              ),
              h("div", { class: "io" }, h("pre", { text: pretty(details) }))
            )
          )
        );
      }
    }
    step.journalCount.textContent = String(step.journal.querySelectorAll(".entry").length);
  }

  // -- answers, as the extension shows them ---------------------------------------------------------------------

  function messageBox(returnMessage, fallbackType) {
    if (!returnMessage) return null;
    const message = typeof returnMessage === "string" ? { message: returnMessage } : returnMessage;
    const details = [];
    for (const block of message.details || []) for (const item of block.items || []) if (item.text) details.push(item.text);
    return h(
      "div",
      { class: `message ${message.messageType || fallbackType || "info"}`, "data-testid": "message" },
      h("span", { text: maskText(message.message || "") }),
      details.length ? h("p", { class: "details", text: maskText(details.join(" ")) }) : null
    );
  }

  function facts(pairs, testid) {
    return h(
      "dl",
      { class: "facts", "data-testid": testid },
      pairs.filter(Boolean).flatMap(([name, value, id]) => [h("dt", { text: name }), h("dd", { "data-testid": id, text: maskText(value) })])
    );
  }

  // -- action runner ------------------------------------------------------------------------------------------

  async function action(stepName, label, work) {
    if (S.busy) return;
    S.busy = true;
    const step = steps[stepName];
    step.section.dataset.state = "busy";
    document.body.dataset.busy = "true";
    refreshControls();
    let marks = {};
    try {
      marks = await journalMarks();
    } catch (error) {
      marks = {};
    }
    step.exchanges.append(h("li", { class: "group-title", text: label }));
    step.journal.append(h("li", { class: "group-title", text: label }));
    try {
      await work(step);
      step.section.dataset.state = "done";
    } catch (error) {
      step.section.dataset.state = "error";
      step.answer.append(
        error instanceof Failure && error.returnMessage
          ? messageBox(error.returnMessage, "danger")
          : messageBox({ message: error.message, messageType: "danger" })
      );
      if (error instanceof Failure && !error.returnMessage && error.answer !== undefined) {
        step.answer.append(h("pre", { text: pretty(mask(error.answer)) }));
      }
    } finally {
      try {
        await showJournal(step, marks);
      } catch (error) {
        /* the journal is a side view: the step's answer stands without it */
      }
      S.busy = false;
      delete document.body.dataset.busy;
      refreshControls();
    }
  }

  function refreshControls() {
    const signedIn = Boolean(S.jwt);
    const idle = !S.busy;
    $("crm").disabled = signedIn || !idle;
    $("rc-extension").disabled = signedIn || !idle;
    $("login").disabled = signedIn || !idle || !S.crm;
    $("ring").disabled = !signedIn || !idle;
    $("create-contact").disabled = !signedIn || !idle;
    $("log-call").disabled = !signedIn || !idle || !S.contact;
    $("update-call").disabled = !signedIn || !idle || !(S.call && S.call.logId);
    $("read-call").disabled = !signedIn || !idle || !(S.call && S.call.logId);
    $("log-sms").disabled = !signedIn || !idle || !S.contact;
    $("add-sms").disabled = !signedIn || !idle || !S.sms;
    $("log-voicemail").disabled = !signedIn || !idle || !S.contact;
    $("logout").disabled = !signedIn || !idle;
    for (const name of ["screenpop", "calllog", "messages", "logout"]) steps[name].section.classList.toggle("locked", !signedIn);
    document.querySelectorAll("#login-fields input, #login-fields select").forEach((input) => {
      input.disabled = signedIn || !idle;
    });
  }

  // -- choosing ---------------------------------------------------------------------------------------------------

  function displayName() {
    return (S.platform && S.platform.displayName) || title(S.crm.name);
  }

  function currentChoice() {
    const select = $("login-choice");
    return S.crm.choices[Number(select ? select.value : 0)] || { values: {} };
  }

  function currentExtension() {
    return S.catalog.ringcentral.extensions[Number($("rc-extension").value)] || S.catalog.ringcentral.extensions[0];
  }

  async function refreshCatalog() {
    try {
      const response = await fetch(`${PREFIX}/catalog`, { cache: "no-store" });
      if (response.ok) S.catalog = await response.json();
    } catch (error) {
      /* the choices stay as they were */
    }
    for (const crm of S.catalog.crms) for (const choice of crm.choices) collectSecrets(choice.values);
  }

  /** Every step back to empty: a run with another CRM starts afresh. */
  function clearSteps() {
    for (const step of Object.values(steps)) {
      step.section.dataset.state = "idle";
      step.answer.replaceChildren();
      step.record.replaceChildren(h("p", { class: "muted", text: "Nothing yet." }));
      step.exchanges.replaceChildren();
      step.journal.replaceChildren();
      step.exchangeCount.textContent = "0";
      step.journalCount.textContent = "0";
    }
    $("new-contact").hidden = true;
  }

  async function selectCrm() {
    clearSteps();
    await refreshCatalog();
    S.crm = S.catalog.crms[Number($("crm").value)];
    Object.assign(S, { manifest: null, platform: null, contacts: [], contact: null, placeholder: null, call: null, sms: null });
    try {
      const response = await fetch(`/crmManifest?${query({ platformName: S.crm.name })}`, { cache: "no-store" });
      S.manifest = await response.json();
      S.platform = (S.manifest.platforms || {})[S.crm.name] || null;
    } catch (error) {
      S.platform = null;
    }
    renderLoginForm();
    renderNumbers();
    renderCallContact();
    refreshControls();
  }

  function renderLoginForm() {
    const box = $("login-fields");
    box.replaceChildren();
    const name = displayName();
    const choices = h(
      "select",
      { id: "login-choice", "data-testid": "login-choice" },
      S.crm.choices.map((choice, index) => h("option", { value: String(index), text: choice.label }))
    );
    if (S.crm.login === "apiKey") {
      const page = (((S.platform || {}).auth || {}).apiKey || {}).page || {};
      const fields = (page.content || []).filter((field) => field.required && field.type === "string");
      box.append(
        h("p", { class: "muted", text: `${name} signs in with the form below (the extension shows it from the manifest), prefilled with a user of the sandbox.` }),
        h("label", {}, "Prefill with", choices),
        h(
          "div",
          { class: "fields" },
          fields.map((field) => {
            const secret = /key|password/i.test(field.const) || ((field.uiSchema || {})["ui:widget"] === "password");
            return h("label", {}, field.title || field.const, h("input", { name: field.const, "data-field": field.const, type: secret ? "password" : "text", spellcheck: "false", required: true }));
          })
        )
      );
      choices.addEventListener("change", fillLoginForm);
      fillLoginForm();
    } else {
      box.append(
        h("p", { class: "muted", text: `${name} signs in with OAuth: its sandbox consent page answers at once for the user chosen here (no typing).` }),
        h("label", {}, `Log in to ${name} as`, choices)
      );
    }
    $("login").textContent = S.crm.login === "apiKey" ? `Log in to ${name}` : `Connect to ${name} (OAuth)`;
  }

  function fillLoginForm() {
    const values = currentChoice().values || {};
    document.querySelectorAll("#login-fields input[data-field]").forEach((input) => {
      input.value = values[input.dataset.field] ?? "";
    });
  }

  function loginFormValues() {
    const values = {};
    document.querySelectorAll("#login-fields input[data-field]").forEach((input) => {
      values[input.dataset.field] = input.value;
      if (/key|password/i.test(input.dataset.field)) remember(input.value);
    });
    return values;
  }

  function renderNumbers() {
    const select = $("number-choice");
    select.replaceChildren(
      ...S.crm.numbers.map((number, index) =>
        h("option", {
          value: String(index),
          text: number.name
            ? `${number.name} (${number.type}) — stored as ${number.stored}${number.note ? `, ${number.note}` : ""}`
            : `${number.e164} — ${number.note}`,
        })
      )
    );
    $("number").value = S.crm.numbers.length ? S.crm.numbers[0].e164 : "";
  }

  async function refreshNumbers() {
    const chosen = $("number").value;
    await refreshCatalog();
    const fresh = S.catalog.crms.find((crm) => crm.name === S.crm.name);
    if (fresh) {
      S.crm.numbers = fresh.numbers;
      renderNumbers();
      $("number").value = chosen;
    }
  }

  /** A number as RingCentral reports a call from it: E.164 (a US number when it has no country code). */
  function asE164(typed) {
    const text = String(typed).trim();
    const digits = text.replace(/\D/g, "");
    if (text.startsWith("+")) return `+${digits}`;
    if (text.startsWith("00")) return `+${digits.slice(2)}`;
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
    return digits ? `+${digits}` : "";
  }

  // -- 1. log in ----------------------------------------------------------------------------------------------------

  async function ringCentralLogin(step) {
    const rc = S.catalog.ringcentral;
    const extension = currentExtension();
    remember(rc.clientSecret);
    const base = `${S.catalog.sandbox}/ringcentral`;
    const redirectUri = `${location.origin}${PREFIX}/`;
    const state = randomState();
    const consent = await doorway(
      step,
      "GET",
      `${base}/restapi/oauth/authorize?${query({ response_type: "code", client_id: rc.clientId, redirect_uri: redirectUri, state, sandbox_user: extension.id })}`
    );
    const back = consent.headers.get("x-sandbox-location");
    if (consent.status !== 302 || !back) throw new Failure("RingCentral sign-in", consent.json, consent.status);
    const code = new URL(back).searchParams.get("code");
    remember(code);
    const tokens = expectOk(
      await doorway(step, "POST", `${base}/restapi/oauth/token`, {
        headers: { Authorization: `Basic ${btoa(`${rc.clientId}:${rc.clientSecret}`)}` },
        body: query({ grant_type: "authorization_code", code, redirect_uri: redirectUri }),
      }),
      "RingCentral token"
    );
    const bearer = { Authorization: `Bearer ${tokens.access_token}` };
    const me = expectOk(await doorway(step, "GET", `${base}/restapi/v1.0/account/~/extension/~`, { headers: bearer }), "RingCentral extension");
    const account = expectOk(await doorway(step, "GET", `${base}/restapi/v1.0/account/~`, { headers: bearer }), "RingCentral account");
    const rcIds = { extensionId: String(me.id), accountId: String(me.account.id) };
    const hashes = expectOk(
      await api(step, "GET", "/userInfoHash", { query: rcIds, headers: { "X-RC-Access-Token": tokens.access_token }, anonymous: true }),
      "userInfoHash"
    );
    S.rc = {
      token: tokens.access_token,
      extensionId: rcIds.extensionId,
      accountId: rcIds.accountId,
      name: me.name,
      extensionNumber: String(me.extensionNumber || ""),
      admin: Boolean(((me.permissions || {}).admin || {}).enabled),
      mainNumber: account.mainNumber,
      accountName: account.name,
      hashes,
    };
  }

  function openPopup(url, redirectUri, step, popup) {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error("the OAuth pop-up did not hand back a callback within 30 s (is it still open?)"));
      }, 30000);
      function cleanup() {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
      }
      function onMessage(event) {
        if (event.origin !== location.origin || !event.data || typeof event.data.callbackUri !== "string") return;
        if (!event.data.callbackUri.startsWith(redirectUri)) return;
        cleanup();
        recordNavigation(
          step,
          url,
          `302 Found → ${event.data.callbackUri}\n\nThe redirect page (${redirectUri}) posted {callbackUri} back to this page, which hands it to /oauth-callback.`,
          performance.now() - started
        );
        resolve(event.data.callbackUri);
      }
      window.addEventListener("message", onMessage);
      popup.location.href = url;
    });
  }

  async function oauthPopupLogin(step, popup) {
    if (!popup) throw new Error("The browser blocked the OAuth pop-up: allow pop-ups for this page and try again.");
    const oauth = S.platform.auth.oauth;
    const redirectOrigin = new URL(oauth.redirectUri).origin;
    if (redirectOrigin !== location.origin) {
      // the redirect page hands the callback only to its own origin (and the extension's)
      throw new Error(`${displayName()}'s redirect page is on ${redirectOrigin}: open the console there, ${redirectOrigin}${PREFIX}/`);
    }
    const choice = currentChoice();
    const state = `platform=${S.crm.name}&hostname=${S.crm.hostname}`;
    const url = `${oauth.authUrl}?${query({ response_type: "code", client_id: oauth.clientId, redirect_uri: oauth.redirectUri, state, sandbox_user: choice.oauthUser })}`;
    const callbackUri = await openPopup(url, oauth.redirectUri, step, popup);
    remember(new URL(callbackUri).searchParams.get("code"));
    return expectOk(await api(step, "GET", "/oauth-callback", { query: { callbackUri, state }, headers: rcTokenHeader() }), "Login");
  }

  async function oauthRedirectLogin(step) {
    const oauth = S.platform.auth.oauth;
    const choice = currentChoice();
    const username = choice.values.username;
    // the CRM's data centre for this user, then its consent page; its redirect goes to RingCentral's hosted
    // redirect page, whose address (with the code) the doorway hands back instead of following it
    const home = oauth.authUrl.replace(/\/oauth\/authorize$/, "");
    const centre = expectOk(await doorway(step, "GET", `${home}/rest-services/loginInfo?${query({ username })}`), "data-centre lookup");
    const state = `platform=${S.crm.name}`;
    const consent = await doorway(
      step,
      "GET",
      `${centre.oauthUrl}/authorize?${query({ client_id: oauth.clientId, response_type: "code", redirect_uri: oauth.redirectUri, state, sandbox_user: choice.oauthUser })}`
    );
    const callbackUri = consent.headers.get("x-sandbox-location");
    if (consent.status !== 302 || !callbackUri) throw new Failure(`${displayName()} consent`, consent.json, consent.status);
    remember(new URL(callbackUri).searchParams.get("code"));
    return expectOk(
      await api(step, "GET", "/oauth-callback", {
        query: { callbackUri, state, tokenUrl: `${centre.oauthUrl}/token`, apiUrl: centre.restUrl, username },
        headers: rcTokenHeader(),
      }),
      "Login"
    );
  }

  async function apiKeyLogin(step) {
    const values = loginFormValues();
    const body = { platform: S.crm.name };
    if (S.crm.hostname) body.hostname = S.crm.hostname;
    if (values.apiKey) body.apiKey = values.apiKey;
    body.additionalInfo = values;
    return expectOk(await api(step, "POST", "/apiKeyLogin", { body, headers: rcTokenHeader() }), "Login");
  }

  function settingsList(settings) {
    const sections = (S.platform && S.platform.settings) || [];
    const rows = [];
    for (const section of sections) {
      for (const item of section.items || [section]) {
        if (item.type === "warning" || item.type === "section") continue;
        const saved = settings && settings[item.id];
        const value = saved && saved.value !== undefined ? saved.value : item.defaultValue;
        const option = (item.options || []).find((o) => String(o.id) === String(value));
        rows.push([item.name || item.id, `${option ? option.name : value === undefined || value === "" ? "—" : value}${saved ? "" : " (default)"}`]);
      }
    }
    if (!rows.length) return h("p", { class: "muted", "data-testid": "settings", text: `${displayName()} has no settings of its own in App Connect.` });
    return h(
      "details",
      { "data-testid": "settings", open: true },
      h("summary", { text: `Settings (${rows.length}): what the user set, else the manifest's default` }),
      facts(rows.map(([name, value]) => [name, value]), "settings-list")
    );
  }

  async function login(popup) {
    await action("login", `Log in to ${displayName()}`, async (step) => {
      step.answer.replaceChildren();
      try {
        S.manifest = expectOk(await api(step, "GET", "/crmManifest", { query: { platformName: S.crm.name }, anonymous: true }), "manifest");
        S.platform = S.manifest.platforms[S.crm.name];
        await ringCentralLogin(step);
        let answer;
        if (S.crm.login === "oauth-popup") answer = await oauthPopupLogin(step, popup);
        else if (S.crm.login === "oauth-redirect") answer = await oauthRedirectLogin(step);
        else answer = await apiKeyLogin(step);
        remember(answer.jwtToken);
        S.jwt = answer.jwtToken;
        S.user = { name: answer.name, recordId: null };
        const settings = expectOk(await api(step, "GET", "/user/settings"), "user settings");
        step.answer.append(
          messageBox(answer.returnMessage, "success"),
          facts(
            [
              [`${displayName()} user`, answer.name, "user-name"],
              ["RingCentral", `${S.rc.name} (ext ${S.rc.extensionNumber}) of ${S.rc.accountName}${S.rc.admin ? ", admin" : ""}`, "rc-user"],
              ["Session", "an App Connect JWT, held by this page and masked in every view"],
            ],
            "login-facts"
          ),
          settingsList(settings)
        );
      } finally {
        if (popup && !popup.closed) popup.close();
      }
      const users = await readRecords({ kind: "user", name: S.user.name }).catch(() => []);
      if (users.length) S.user.recordId = users[0].id;
      showRecords(step, users, `No ${displayName()} user named ${S.user.name} in the sandbox.`);
      S.contacts = [];
      S.contact = null;
      renderCallContact();
    });
  }

  // -- 2. screen pop ------------------------------------------------------------------------------------------------

  function contactCard(contact, index) {
    const extra = [];
    for (const [key, value] of Object.entries(contact.additionalInfo || {})) {
      if (Array.isArray(value) && value.length) {
        extra.push(h("li", {}, `${key}: ${value.map((option) => option.title ?? option.const).join(", ")}`));
      }
    }
    const radio = h("input", { type: "radio", name: "chosen-contact", value: String(index), "aria-label": `log against ${contact.name}` });
    radio.checked = S.contact === contact;
    radio.addEventListener("change", () => chooseContact(contact));
    return h(
      "li",
      { class: `contact${S.contact === contact ? " chosen" : ""}`, "data-testid": "contact", dataset: { id: String(contact.id), type: contact.type || "" } },
      radio,
      h(
        "div",
        {},
        h("span", { class: "name", "data-testid": "contact-name", text: contact.name }),
        contact.type ? h("span", { class: "kind", "data-testid": "contact-type", text: contact.type }) : null,
        h("div", { class: "muted", text: [contact.phone, contact.organization, `id ${contact.id}`].filter(Boolean).join(" · ") })
      ),
      extra.length ? h("div", { class: "more" }, "Offered for the log:", h("ul", {}, extra)) : null
    );
  }

  function renderContacts() {
    const list = h("ul", { class: "contacts", "data-testid": "contacts" }, S.contacts.map(contactCard));
    const old = steps.screenpop.answer.querySelector(".contacts");
    if (old) old.replaceWith(list);
    else steps.screenpop.answer.append(list);
  }

  function chooseContact(contact) {
    S.contact = contact;
    S.call = null;
    S.sms = null;
    renderContacts();
    renderCallContact();
    refreshControls();
  }

  async function showContactRecords(step, contacts) {
    await showRecordsSafely(
      step,
      async () => {
        const found = [];
        for (const contact of contacts) found.push(...(await readRecords({ kind: "contact", type: contact.type || "", id: contact.id })));
        return found;
      },
      "No record matches the number."
    );
  }

  async function ring() {
    const number = asE164($("number").value);
    await action("screenpop", `Incoming call from ${number}`, async (step) => {
      step.answer.replaceChildren();
      $("new-contact").hidden = true;
      const answer = expectOk(
        await api(step, "GET", "/contact", { query: { phoneNumber: number, overridingFormat: "", isExtension: "false" } }),
        "Screen pop"
      );
      S.number = number;
      const contacts = Array.isArray(answer.contact) ? answer.contact : [];
      S.contacts = contacts.filter((contact) => !contact.isNewContact);
      S.placeholder = contacts.find((contact) => contact.isNewContact) || null;
      S.contact = S.contacts[0] || null;
      S.call = null;
      S.sms = null;
      step.answer.append(
        h("p", { "data-testid": "screenpop-summary", text: `${number} rings: ${S.contacts.length ? `${S.contacts.length} match${S.contacts.length > 1 ? "es" : ""}` : "no match"}` })
      );
      const message = messageBox(answer.returnMessage);
      if (message) step.answer.append(message);
      renderContacts();
      renderCallContact();
      if (!S.contacts.length) renderNewContactForm();
      await showContactRecords(step, S.contacts);
    });
  }

  function renderNewContactForm() {
    const box = $("new-contact-fields");
    box.replaceChildren();
    const types = ((S.platform && S.platform.contactTypes) || []).map((type) => type.value);
    const preferred = S.placeholder && S.placeholder.defaultContactType;
    const typeSelect = types.length
      ? h(
          "select",
          { id: "new-contact-type", "data-testid": "new-contact-type" },
          types.map((type) => h("option", { value: type, text: type, selected: preferred && type.toLowerCase() === preferred.toLowerCase() }))
        )
      : null;
    box.append(
      h("label", {}, "Name", h("input", { id: "new-contact-name", "data-testid": "new-contact-name", value: "Ada Lovelace" })),
      typeSelect ? h("label", {}, "Type", typeSelect) : null,
      h("div", { id: "new-contact-extra", class: "fields" })
    );
    if (typeSelect) typeSelect.addEventListener("change", renderNewContactExtras);
    renderNewContactExtras();
    $("new-contact").hidden = false;
  }

  function renderNewContactExtras() {
    const box = $("new-contact-extra");
    box.replaceChildren();
    const type = $("new-contact-type") ? $("new-contact-type").value : "";
    const fields = ((((S.platform || {}).page || {}).newContact || {}).additionalFields) || [];
    const offered = (S.placeholder && S.placeholder.additionalInfo) || {};
    for (const field of fields) {
      if (field.type !== "selection") continue;
      const options = (field.contactTypeDependent ? (offered[type] || {})[field.const] : offered[field.const]) || [];
      box.append(
        h(
          "label",
          {},
          field.title || field.const,
          h("select", { "data-extra": field.const }, options.map((option) => h("option", { value: String(option.const), text: option.title ?? option.const })))
        )
      );
    }
  }

  async function createContact() {
    await action("screenpop", "Create a contact", async (step) => {
      const name = $("new-contact-name").value.trim();
      const type = $("new-contact-type") ? $("new-contact-type").value : "";
      const additionalSubmission = {};
      document.querySelectorAll("#new-contact-extra [data-extra]").forEach((select) => {
        additionalSubmission[select.dataset.extra] = select.value;
      });
      const answer = expectOk(
        await api(step, "POST", "/contact", { body: { phoneNumber: S.number, newContactName: name, newContactType: type, additionalSubmission } }),
        "Create contact"
      );
      const created = answer.contact || {};
      const contact = {
        id: created.id,
        name: created.name || name,
        type: created.type || type,
        phone: S.number,
        additionalInfo: created.additionalInfo || (S.placeholder && S.placeholder.additionalInfo) || {},
      };
      S.contacts = [contact];
      S.placeholder = null;
      $("new-contact").hidden = true;
      step.answer.append(messageBox(answer.returnMessage, "success"));
      chooseContact(contact);
      await showContactRecords(step, [contact]);
      await refreshNumbers();
    });
  }

  // -- 3. call log ----------------------------------------------------------------------------------------------------

  function renderCallContact() {
    const contact = S.contact;
    $("call-contact").textContent = contact ? `Logging against ${contact.name} (${contact.type || "contact"} ${contact.id}), ${S.number}` : "Pop a call first.";
    if (contact) {
      $("call-subject").value = `Call with ${contact.name}`;
      $("call-note").value = "Discussed the renewal options.";
      $("sms-first").value = "Can you send me the renewal options?";
      $("sms-reply").value = "Sent them just now, see your inbox.";
    }
    renderDispositions();
    renderCallAnswerReset();
  }

  function renderCallAnswerReset() {
    if (!S.call) {
      steps.calllog.answer.replaceChildren();
      steps.messages.answer.replaceChildren();
      $("add-sms").disabled = true;
    }
  }

  function renderDispositions() {
    const box = $("call-dispositions");
    box.replaceChildren();
    S.dispositionOptions = {};
    if (!S.contact || !S.platform) return;
    const fields = (((S.platform.page || {}).callLog || {}).additionalFields) || [];
    for (const field of fields) {
      if (field.type === "warning") {
        box.append(h("p", { class: "warning", text: field.description || field.title }));
      } else if (field.type === "selection") {
        const options = (S.contact.additionalInfo || {})[field.const] || [];
        if (!options.length) continue;
        S.dispositionOptions[field.const] = options;
        box.append(
          h(
            "label",
            {},
            `${field.title || field.const} (disposition)`,
            h(
              "select",
              { "data-disposition": field.const, "data-testid": `disposition-${field.const}` },
              h("option", { value: "", text: "(none)" }),
              options.map((option, index) => h("option", { value: String(index), text: option.title ?? option.const, selected: index === 0 }))
            )
          )
        );
      } else if (field.type === "checkbox") {
        const box2 = h("input", { type: "checkbox", "data-disposition-check": field.const });
        box2.checked = Boolean(field.defaultValue);
        box.append(h("label", { class: "checkbox" }, box2, field.title || field.const));
      }
    }
  }

  function dispositions() {
    const chosen = {};
    document.querySelectorAll("#call-dispositions [data-disposition]").forEach((select) => {
      if (select.value === "") return;
      const option = S.dispositionOptions[select.dataset.disposition][Number(select.value)];
      if (option) chosen[select.dataset.disposition] = option.const;
    });
    document.querySelectorAll("#call-dispositions [data-disposition-check]").forEach((input) => {
      chosen[input.dataset.dispositionCheck] = input.checked;
    });
    return chosen;
  }

  function agent() {
    return { phoneNumber: S.rc.mainNumber, extensionNumber: S.rc.extensionNumber, name: S.rc.name };
  }

  function theirs() {
    return { phoneNumber: S.number, name: S.contact.name };
  }

  async function showLogRecord(step, logId) {
    await showRecordsSafely(step, () => readRecords({ kind: "log", id: logId }), `No log record ${logId} in the sandbox.`);
  }

  async function logCall() {
    await action("calllog", "Log the call", async (step) => {
      step.answer.replaceChildren();
      const direction = $("call-direction").value;
      const duration = Number($("call-duration").value || 0);
      const sessionId = randomDigits(12);
      const startTime = new Date(Date.now() - duration * 1000 - 60000).toISOString();
      const from = direction === "Inbound" ? theirs() : agent();
      const to = direction === "Inbound" ? agent() : theirs();
      const rcBase = `${S.catalog.sandbox}/ringcentral/restapi/v1.0/account/${S.rc.accountId}`;
      const body = {
        logInfo: {
          uri: `${rcBase}/call-log/call-${sessionId}?view=Simple`,
          id: `call-${sessionId}`,
          sessionId,
          startTime,
          telephonySessionId: `s-${sessionId}`,
          duration,
          type: "Voice",
          direction,
          action: "Phone Call",
          result: direction === "Inbound" ? "Accepted" : "Call connected",
          to,
          from,
          extensionNumber: S.rc.extensionNumber,
          customSubject: $("call-subject").value,
        },
        contactId: String(S.contact.id),
        contactType: S.contact.type || "",
        contactName: S.contact.name,
        note: $("call-note").value,
        aiNote: "",
        transcript: "",
        additionalSubmission: dispositions(),
      };
      const answer = expectOk(await api(step, "POST", "/callLog", { body }), "Call log");
      S.call = { sessionId, startTime, duration, direction, from, to, logId: answer.logId };
      step.answer.append(messageBox(answer.returnMessage, "success"), facts([["Log id", String(answer.logId), "log-id"]], "calllog-facts"));
      await showLogRecord(step, answer.logId);
    });
  }

  async function updateCall() {
    await action("calllog", "Update the log", async (step) => {
      step.answer.replaceChildren();
      const call = S.call;
      const chosen = dispositions();
      const body = {
        sessionId: call.sessionId,
        extensionNumber: S.rc.extensionNumber,
        subject: $("call-subject").value,
        note: $("call-note").value,
        startTime: call.startTime,
        duration: Number($("call-duration").value || call.duration),
        result: call.direction === "Inbound" ? "Accepted" : "Call connected",
        direction: call.direction,
        from: call.from,
        to: call.to,
        additionalSubmission: chosen,
      };
      const answer = expectOk(await api(step, "PATCH", "/callLog", { body }), "Call log update");
      step.answer.append(messageBox(answer.returnMessage, "success"));
      if (Object.keys(chosen).length && !(S.platform && S.platform.disableDisposition)) {
        const disposed = expectOk(
          await api(step, "PUT", "/callDisposition", { body: { sessionId: call.sessionId, extensionNumber: S.rc.extensionNumber, dispositions: chosen } }),
          "Disposition"
        );
        step.answer.append(messageBox(disposed.returnMessage || { message: "Disposition saved.", messageType: "success" }, "success"));
      }
      step.answer.append(facts([["Log id", String(answer.logId || call.logId), "log-id"]], "calllog-facts"));
      await showLogRecord(step, call.logId);
    });
  }

  async function readCall() {
    await action("calllog", "Read the log back", async (step) => {
      step.answer.replaceChildren();
      const answer = expectOk(
        await api(step, "GET", "/callLog", { query: { sessionIds: S.call.sessionId, extensionNumber: S.rc.extensionNumber, requireDetails: "true" } }),
        "Call log lookup"
      );
      const log = (answer.logs || [])[0] || {};
      const data = log.logData || {};
      step.answer.append(
        facts(
          [
            ["Logged", log.matched ? `yes, log id ${log.logId}` : "no", "read-matched"],
            ["Subject", data.subject || "", "read-subject"],
            ["Note", data.note || "", "read-note"],
            ["Contact", data.contactName || "", "read-contact"],
            ["Dispositions", JSON.stringify(data.dispositions || {}), "read-dispositions"],
          ],
          "calllog-readback"
        )
      );
      await showLogRecord(step, S.call.logId);
    });
  }

  // -- 4. messages ----------------------------------------------------------------------------------------------------

  function message(id, conversationId, text, direction, time, type, attachments) {
    const rcBase = `${S.catalog.sandbox}/ringcentral/restapi/v1.0/account/${S.rc.accountId}/extension/${S.rc.extensionId}/message-store/${id}`;
    const inbound = direction === "Inbound";
    const contact = theirs();
    const me = { phoneNumber: S.rc.mainNumber, name: S.rc.name };
    return {
      uri: rcBase,
      id,
      to: [inbound ? me : contact],
      from: inbound ? contact : me,
      type,
      creationTime: time,
      readStatus: "Read",
      priority: "Normal",
      attachments: attachments || [{ id, uri: `${rcBase}/content/${id}`, type: "Text", contentType: "text/plain" }],
      direction,
      availability: "Alive",
      subject: text,
      messageStatus: inbound ? "Received" : "Delivered",
      conversationId,
      conversation: { id: conversationId, uri: `${S.catalog.sandbox}/ringcentral/restapi/v1.0/conversation/${conversationId}` },
      lastModifiedTime: time,
    };
  }

  function messageLogBody(conversationId, conversationLogId, messages) {
    return {
      logInfo: { conversationId, conversationLogId, correspondents: [theirs()], messages },
      contactId: String(S.contact.id),
      contactType: S.contact.type || "",
      contactName: S.contact.name,
      additionalSubmission: {},
    };
  }

  async function logsSnapshot() {
    const records = await readRecords({ kind: "logs" });
    return new Map(records.map((item) => [`${item.collection}#${item.id}`, JSON.stringify(item.record)]));
  }

  async function showChangedLogs(step, before) {
    await showRecordsSafely(
      step,
      async () => {
        const after = await readRecords({ kind: "logs" });
        return after
          .filter((item) => before.get(`${item.collection}#${item.id}`) !== JSON.stringify(item.record))
          .map((item) => Object.assign({}, item, { tag: before.has(`${item.collection}#${item.id}`) ? "changed" : "new" }));
      },
      "No CRM record changed."
    );
  }

  async function postMessages(step, label, body) {
    const before = await logsSnapshot().catch(() => new Map());
    const answer = expectOk(await api(step, "POST", "/messageLog", { body }), label);
    step.answer.append(
      messageBox(answer.returnMessage || { message: `${label}: done`, messageType: "success" }, "success"),
      facts([["Messages logged", (answer.logIds || []).join(", ") || "none new", "message-log-ids"]], "messages-facts")
    );
    await showChangedLogs(step, before);
  }

  async function logSms() {
    await action("messages", "Log the SMS conversation", async (step) => {
      step.answer.replaceChildren();
      const conversationId = randomDigits(16);
      const first = new Date(Date.now() - 10 * 60000);
      const conversationLogId = `${conversationId}-${first.toISOString().slice(0, 10)}`;
      S.sms = { conversationId, conversationLogId, messages: [message(randomDigits(10), conversationId, $("sms-first").value, "Inbound", first.toISOString(), "SMS")] };
      await postMessages(step, "SMS log", messageLogBody(conversationId, conversationLogId, S.sms.messages));
    });
  }

  async function addSms() {
    await action("messages", "Add the reply the same day", async (step) => {
      step.answer.replaceChildren();
      const sms = S.sms;
      const reply = new Date(Date.parse(sms.messages[0].creationTime) + 5 * 60000).toISOString();
      sms.messages.push(message(randomDigits(10), sms.conversationId, $("sms-reply").value, "Outbound", reply, "SMS"));
      // the extension sends the day's conversation so far: the server logs only the messages it has not yet
      await postMessages(step, "SMS log", messageLogBody(sms.conversationId, sms.conversationLogId, sms.messages));
    });
  }

  async function logVoicemail() {
    await action("messages", "Log a voicemail", async (step) => {
      step.answer.replaceChildren();
      const id = randomDigits(10);
      const time = new Date(Date.now() - 3 * 60000).toISOString();
      const conversationId = randomDigits(16);
      const media = `${S.catalog.sandbox}/ringcentral/restapi/v1.0/account/${S.rc.accountId}/extension/${S.rc.extensionId}/message-store/${id}/content/${id}`;
      const voicemail = message(id, conversationId, "Voice message", "Inbound", time, "VoiceMail", [
        { id, uri: media, type: "AudioRecording", contentType: "audio/x-wav", vmDuration: 25, link: media },
      ]);
      voicemail.vmTranscriptionStatus = "NotAvailable";
      await postMessages(step, "Voicemail log", messageLogBody(conversationId, `${conversationId}-${time.slice(0, 10)}`, [voicemail]));
    });
  }

  // -- 5. log out ------------------------------------------------------------------------------------------------------

  async function logout() {
    await action("logout", "Log out", async (step) => {
      step.answer.replaceChildren();
      const result = await api(step, "POST", "/unAuthorize");
      if (!result.ok) throw new Failure("Logout", result.json, result.status);
      step.answer.append(messageBox(result.json || { message: "Logged out.", messageType: "success" }, "success"));
      const check = await api(step, "GET", "/authValidation");
      step.answer.append(
        facts(
          [["The old session", `GET /authValidation now answers ${check.status}${check.text ? `: ${check.text}` : ""}`, "session-after-logout"]],
          "logout-facts"
        )
      );
      const recordId = S.user && S.user.recordId;
      S.jwt = "";
      S.contact = null;
      S.call = null;
      S.sms = null;
      steps.login.section.dataset.state = "idle";
      steps.login.answer.append(h("p", { class: "muted", text: "Logged out (step 5)." }));
      if (S.crm.login === "apiKey") {
        await showRecordsSafely(
          step,
          () => readRecords({ kind: "user", name: S.user.name }),
          `${displayName()} keeps no session for an API key: App Connect forgot it.`
        );
        step.record.prepend(h("p", { class: "muted", text: `${displayName()} keeps no session for an API key or a password; App Connect forgot the credentials. The user, as the sandbox holds it:` }));
      } else {
        await showRecordsSafely(step, () => readRecords({ kind: "credentials", userId: recordId }), "No token or session of this user is left.");
        step.record.prepend(
          h("p", { class: "muted", text: `What ${displayName()} holds for this user's sign-ins: the OAuth tokens it issued ("revoked": true once revoked) and any session still open.` })
        );
      }
    });
  }

  // -- start ------------------------------------------------------------------------------------------------------------

  async function init() {
    setupSteps();
    $("api-url").textContent = location.origin;
    try {
      const response = await fetch(`${PREFIX}/catalog`, { cache: "no-store" });
      const catalog = await response.json();
      if (!response.ok) throw new Error(catalog.message || `HTTP ${response.status}`);
      S.catalog = catalog;
    } catch (error) {
      fatal(`The console cannot read the sandbox CRMs: ${error.message}`);
      return;
    }
    remember(S.catalog.ringcentral.clientSecret);
    for (const crm of S.catalog.crms) for (const choice of crm.choices) collectSecrets(choice.values);
    $("sandbox-url").textContent = S.catalog.sandbox;
    $("crm").replaceChildren(...S.catalog.crms.map((crm, index) => h("option", { value: String(index), text: title(crm.name) })));
    $("rc-extension").replaceChildren(
      ...S.catalog.ringcentral.extensions.map((extension, index) =>
        h("option", {
          value: String(index),
          text: `${extension.name} (ext ${extension.extensionNumber}) of ${extension.accountName || extension.accountId}${extension.admin ? ", admin" : ""}`,
        })
      )
    );
    $("crm").addEventListener("change", selectCrm);
    $("number-choice").addEventListener("change", () => {
      const chosen = S.crm.numbers[Number($("number-choice").value)];
      if (chosen) $("number").value = chosen.e164;
    });
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      // opened within the click, before any await, so that no pop-up blocker stops it
      const popup = S.crm.login === "oauth-popup" ? window.open("", "appconnect-crm-oauth", "popup,width=520,height=640") : null;
      login(popup);
    });
    $("ring").addEventListener("click", ring);
    $("new-contact").addEventListener("submit", (event) => {
      event.preventDefault();
      createContact();
    });
    $("log-call").addEventListener("click", logCall);
    $("update-call").addEventListener("click", updateCall);
    $("read-call").addEventListener("click", readCall);
    $("log-sms").addEventListener("click", logSms);
    $("add-sms").addEventListener("click", addSms);
    $("log-voicemail").addEventListener("click", logVoicemail);
    $("logout").addEventListener("click", logout);
    await selectCrm();
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", init);
})();
