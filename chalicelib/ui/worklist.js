/*
 * GCA "Pendientes": the first thing on an OTEC's home (GET /api/worklist), above the search: each
 * course that needs something today, in words, linking to its "Datos del Curso SENCE". And "Mi perfil"
 * (#/mi-perfil, every profile): who the person is and the switch of the daily digest (PUT /api/profile).
 *
 * Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const MESSAGES = {
    loading: "Cargando sus pendientes…",
    empty: "No tiene pendientes por ahora.",
    failed: "No fue posible obtener sus pendientes.",
    count: (n) => (n === 1 ? "1 pendiente" : `${n} pendientes`),
    more: (n) => (n === 1 ? "Mostrar 1 más" : `Mostrar ${n} más`),
    saved: (on) =>
      on ? "Guardado: recibirá el resumen diario de pendientes." : "Guardado: no recibirá el resumen diario.",
    saveFailed: "No fue posible guardar su preferencia.",
    profileFailed: "No fue posible obtener sus datos.",
  };
  const COUNT_WORDS = {
    participants_unreachable: (n) => (n === 1 ? "1 participante" : `${n} participantes`),
    incomplete_marks: (n) => (n === 1 ? "1 marca sin salida" : `${n} marcas sin salida`),
  };
  const OUTCOME_WORDS = { APPROVED: "Aprobada", REJECTED: "Rechazada" };
  const SUMMARY = { summary: "errores-mi-perfil", inputs: ["resumen-diario"] };
  const GROUP_SHOWN = 5; // the newest of each kind; the rest behind "Mostrar N más"

  const view = { generation: 0 };
  const byId = (id) => document.getElementById(id);
  const succeeded = (result) => result.status >= 200 && result.status < 300 && Boolean(result.data);
  const { api, element, fact, setStatus, setBusy, isBusy, failure, isTrainingBody, showErrors, clearErrors } =
    window.GCA;

  /** 2026-11-28T03:00:00Z → 28-11-2026, the day in Chile. */
  function chileDay(iso) {
    const moment = new Date(String(iso || ""));
    if (Number.isNaN(moment.getTime())) return "";
    try {
      const parts = new Intl.DateTimeFormat("es-CL", {
        timeZone: "America/Santiago",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).formatToParts(moment);
      const part = Object.fromEntries(parts.map((piece) => [piece.type, piece.value]));
      return `${part.day}-${part.month}-${part.year}`;
    } catch {
      const utc = moment.toISOString();
      return `${utc.slice(8, 10)}-${utc.slice(5, 7)}-${utc.slice(0, 4)}`;
    }
  }

  function itemRow(item) {
    const row = element("li", `worklist__item worklist__item--${item.kind}`);
    const link = element("a", "link worklist__course", `${item.course_code} — ${item.course_name}`);
    link.href = `#/curso/${encodeURIComponent(item.course_code)}`;
    const details = [];
    if (item.count !== undefined && item.count !== null && COUNT_WORDS[item.kind]) {
      details.push(COUNT_WORDS[item.kind](item.count));
    }
    if (item.outcome) details.push(OUTCOME_WORDS[item.outcome] || item.outcome);
    details.push(`desde ${chileDay(item.since)}`);
    row.append(link, element("span", "worklist__details", ` (${details.join(", ")})`));
    return row;
  }

  async function showWorklist() {
    const generation = view.generation;
    const section = byId("pendientes");
    const list = byId("pendientes-lista");
    section.hidden = false;
    list.replaceChildren();
    setStatus("pendientes-estado", MESSAGES.loading, "loading");
    const result = await api("GET", "/api/worklist");
    if (generation !== view.generation) return;
    if (!succeeded(result)) {
      const message = failure(result);
      if (message) setStatus("pendientes-estado", `${MESSAGES.failed} ${message}`, "error");
      return;
    }
    const items = result.data.items || [];
    if (!items.length) {
      setStatus("pendientes-estado", MESSAGES.empty, "empty");
      return;
    }
    setStatus("pendientes-estado", MESSAGES.count(items.length));
    const groups = [];
    for (const item of items) {
      const last = groups[groups.length - 1];
      if (last && last.kind === item.kind) last.items.push(item);
      else groups.push({ kind: item.kind, label: item.kind_label, items: [item] });
    }
    list.replaceChildren(...groups.map(groupBlock));
  }

  /** One kind of pendiente: its name and count, its newest few, and a button for the rest. */
  function groupBlock(group) {
    const block = element("li", "worklist__group");
    const heading = element("h3", "worklist__title", `${group.label} (${group.items.length})`);
    const list = element("ul", "worklist__items");
    list.append(...group.items.slice(0, GROUP_SHOWN).map(itemRow));
    block.append(heading, list);
    const rest = group.items.length - GROUP_SHOWN;
    if (rest > 0) {
      const more = element("button", "button button--secondary worklist__more", MESSAGES.more(rest));
      more.append(element("span", "visually-hidden", ` — ${group.label}`));
      more.type = "button";
      more.addEventListener("click", () => {
        list.append(...group.items.slice(GROUP_SHOWN).map(itemRow));
        more.remove();
        list.children[GROUP_SHOWN].querySelector("a").focus();
      });
      block.append(more);
    }
    return block;
  }

  async function showMyProfile() {
    const generation = view.generation;
    byId("mi-perfil").hidden = false;
    clearErrors(SUMMARY);
    setStatus("mi-perfil-estado", "");
    const facts = byId("mi-perfil-datos");
    facts.replaceChildren();
    // Until the stored choice has arrived, the switch cannot be changed: a late answer would
    // otherwise undo what the person just chose.
    const controls = [byId("resumen-diario"), byId("boton-guardar-perfil")];
    controls.forEach((control) => (control.disabled = true));
    const result = await api("GET", "/api/profile");
    if (generation !== view.generation) return;
    if (!succeeded(result)) {
      const message = failure(result);
      if (message) setStatus("mi-perfil-estado", `${MESSAGES.profileFailed} ${message}`, "error");
      return;
    }
    const me = result.data;
    fact(facts, "Nombre", me.name);
    fact(facts, "RUT", me.rut);
    fact(facts, "Correo electrónico", me.email || "Sin correo registrado");
    byId("resumen-diario").checked = Boolean(me.digest_enabled);
    controls.forEach((control) => (control.disabled = false));
  }

  async function saveMyProfile(event) {
    event.preventDefault();
    const button = byId("boton-guardar-perfil");
    if (isBusy(button)) return;
    clearErrors(SUMMARY);
    const enabled = byId("resumen-diario").checked;
    setBusy(button, true);
    const result = await api("PUT", "/api/profile", { body: { digest_enabled: enabled } });
    setBusy(button, false);
    if (!succeeded(result)) {
      const message = failure(result);
      if (message) showErrors(SUMMARY, [{ input: "resumen-diario", message: `${MESSAGES.saveFailed} ${message}` }]);
      return;
    }
    byId("resumen-diario").checked = Boolean(result.data.digest_enabled);
    setStatus("mi-perfil-estado", MESSAGES.saved(result.data.digest_enabled), "done");
  }

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    byId("pendientes").hidden = true;
    byId("mi-perfil").hidden = true;
    if (!route) return;
    if (route.name === "myprofile") showMyProfile();
    else if (route.name === "home" && isTrainingBody(principal)) showWorklist();
  }

  function start() {
    byId("form-mi-perfil").addEventListener("submit", saveMyProfile);
  }

  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
