/*
 * GCA for SENCE's Dirección Regional: "Exportaciones nocturnas", below the annulment inbox on the
 * officer's home. Each night the schedule writes one Excel per region and day with the certificates
 * issued and annulled that day; the officer sees those of their region(s), newest first, and
 * downloads one through a short-lived link (GET /api/exports/<región>/<día> → {url, filename}).
 *
 * Errors go to the section's error summary (the shell's GOV.UK helpers), each linking to the control
 * that can try again. Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const PAGE_SIZE = 30; // about a month of one region; older days come with "Mostrar …"
  const CHILE = "America/Santiago";

  const MESSAGES = {
    empty: "Aún no hay exportaciones.",
    preparing: "Preparando la descarga…",
    listFailed: "No fue posible obtener las exportaciones nocturnas.",
    downloadFailed: (day) => `No fue posible descargar la exportación del ${day}.`,
  };
  // The summary may only name controls of this section; it has no input fields of its own.
  const SUMMARY = { summary: "errores-exportaciones", inputs: [] };

  const view = { generation: 0, principal: null, items: [], shown: 0 };

  const byId = (id) => document.getElementById(id);
  const {
    element,
    cell,
    setCaption,
    fillCardTable,
    setStatus,
    setBusy,
    isBusy,
    failure,
    followDownload,
    showErrors,
    clearErrors,
    isOfficer,
    regionNames,
    api,
    messages,
  } = window.GCA;

  // ------------------------------------------------------------------ small helpers

  /** 2026-11-28 → 28-11-2026 (the day the export covers, already a Chilean calendar day). */
  function dashDay(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
    return match ? `${match[3]}-${match[2]}-${match[1]}` : String(iso || "");
  }

  let chileClock = null;
  try {
    chileClock = new Intl.DateTimeFormat("es-CL", {
      timeZone: CHILE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  } catch {
    chileClock = null; // a browser without time zones: the UTC time is shown, and said so
  }

  /** When the file was written (the API gives UTC), as dd-mm-aaaa hh:mm in Chile. */
  function generatedAt(iso) {
    const moment = new Date(String(iso || ""));
    if (Number.isNaN(moment.getTime())) return "";
    if (chileClock) {
      const part = Object.fromEntries(chileClock.formatToParts(moment).map((piece) => [piece.type, piece.value]));
      return `${part.day}-${part.month}-${part.year} ${part.hour}:${part.minute}`;
    }
    const utc = moment.toISOString();
    return `${dashDay(utc.slice(0, 10))} ${utc.slice(11, 16)} UTC`;
  }

  const decimal = new Intl.NumberFormat("es-CL", { maximumFractionDigits: 1 });

  function fileSize(bytes) {
    const size = Number(bytes);
    if (!Number.isFinite(size) || size < 0) return "";
    if (size < 1024) return `${size} bytes`;
    if (size < 1024 * 1024) return `${decimal.format(size / 1024)} KB`;
    return `${decimal.format(size / (1024 * 1024))} MB`;
  }

  function clearProblems() {
    clearErrors(SUMMARY);
    document.title = document.title.replace(/^Error: /, "");
  }

  function showProblem(message, controlId) {
    // inline=false: the message is not about a field; its link takes the focus to what can try again.
    showErrors(SUMMARY, [{ input: controlId, message, inline: false }]);
  }

  // ------------------------------------------------------------------ the list

  function exportRow(item, index) {
    const region = item.region || {};
    const day = dashDay(item.day);
    const row = element("tr");
    const button = element("button", "button button--secondary button--small", "Descargar");
    button.type = "button";
    button.id = `descargar-exportacion-${index}`;
    button.append(element("span", "visually-hidden", ` la exportación del ${day} (${region.name || region.code})`));
    button.addEventListener("click", () => download(item, button));
    row.append(
      cell(day, "nowrap strong"),
      cell(region.name || region.code),
      cell(fileSize(item.size), "numeric nowrap"),
      cell(generatedAt(item.generated_at), "nowrap"),
      cell(button, "cell--action"),
    );
    return row;
  }

  function renderRows() {
    const shown = view.items.slice(0, view.shown);
    fillCardTable(byId("tabla-exportaciones"), shown.map(exportRow));

    const total = view.items.length;
    setCaption(
      "tabla-exportaciones-leyenda",
      `Exportaciones de ${regionNames(view.principal)}`,
      total === 1
        ? "1 archivo"
        : `${shown.length === total ? total : `${shown.length} de ${total}`} archivos, el más reciente primero`,
    );

    const rest = total - shown.length;
    byId("exportaciones-mas-grupo").hidden = rest <= 0;
    byId("boton-mas-exportaciones").textContent =
      `Mostrar exportaciones anteriores (${Math.min(rest, PAGE_SIZE)} de ${rest} restantes)`;
  }

  function showMore() {
    const first = view.shown;
    view.shown = Math.min(view.items.length, view.shown + PAGE_SIZE);
    renderRows();
    // Keyboard and screen-reader users continue from the first row that appeared.
    const next = byId(`descargar-exportacion-${first}`);
    if (next) next.focus();
  }

  async function showExports() {
    const generation = view.generation;
    clearProblems();
    byId("vista-exportaciones").hidden = false;
    byId("exportaciones-tabla-contenedor").hidden = true;
    byId("exportaciones-mas-grupo").hidden = true;
    byId("exportaciones-reintentar-grupo").hidden = true;
    setStatus("descarga-exportacion-estado", "");
    setStatus("exportaciones-estado", messages.loading);
    const result = await api("GET", "/api/exports");
    if (generation !== view.generation) return;
    if (result.status !== 200 || !result.data || !Array.isArray(result.data.items)) {
      const message = failure(result);
      if (message === null) return;
      setStatus("exportaciones-estado", MESSAGES.listFailed, "error");
      byId("exportaciones-reintentar-grupo").hidden = false;
      showProblem(`${MESSAGES.listFailed} ${message}`, "boton-reintentar-exportaciones");
      return;
    }
    view.items = result.data.items;
    view.shown = Math.min(view.items.length, PAGE_SIZE);
    if (!view.items.length) {
      byId("tabla-exportaciones").tBodies[0].replaceChildren();
      setStatus("exportaciones-estado", MESSAGES.empty, "empty");
      return;
    }
    setStatus("exportaciones-estado", "");
    renderRows();
    byId("exportaciones-tabla-contenedor").hidden = false;
  }

  // ------------------------------------------------------------------ one download

  async function download(item, button) {
    if (isBusy(button)) return;
    const region = item.region || {};
    const day = dashDay(item.day);
    clearProblems();
    setBusy(button, true);
    setStatus("descarga-exportacion-estado", MESSAGES.preparing);
    const generation = view.generation;
    const path = `/api/exports/${encodeURIComponent(region.code)}/${encodeURIComponent(item.day)}`;
    const result = await api("GET", path);
    setBusy(button, false);
    if (generation !== view.generation) return;
    if (followDownload(result, "descarga-exportacion-estado")) return;
    const message = failure(result);
    if (message === null) return;
    setStatus("descarga-exportacion-estado", "");
    showProblem(`${MESSAGES.downloadFailed(day)} ${message}`, button.id);
  }

  // ------------------------------------------------------------------ screens

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    view.principal = principal || null;
    view.items = [];
    view.shown = 0;
    byId("vista-exportaciones").hidden = true;
    if (!isOfficer(principal) || !route || route.name !== "home") return;
    showExports();
  }

  function start() {
    byId("boton-reintentar-exportaciones").addEventListener("click", showExports);
    byId("boton-mas-exportaciones").addEventListener("click", showMore);
  }

  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
