/*
 * GCA certificates, for the training body: "Emisión del certificado de asistencia" (N° factura, then
 * "Aceptar el certificado de asistencia", then the confirmation) and "Solicitud de Anulación Certificado.".
 *
 * Routes (owned by app.js): #/curso/<código>/emitir, #/curso/<código>/emitir/aceptar and
 * #/curso/<código>/anular. The preview shown in "Aceptar" lives only in memory: a reload of that step
 * goes back to the N° factura, and nothing is issued until "Acepto emitir el certificado".
 * Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const ADMIN_PROFILES = ["NATIONAL_ADMIN", "REGIONAL_ADMIN"];
  const MIN_REASON = 10;
  const MAX_REASON = 2000;
  const INVOICE = /^[0-9A-Za-z][0-9A-Za-z ./_-]{0,29}$/;

  const MESSAGES = {
    checking: "Preparando los datos del certificado…",
    issuing: "Emitiendo el certificado…",
    sending: "Enviando la solicitud…",
    facilitator: "Su perfil sólo permite visualizar; no puede emitir certificados ni solicitar su anulación.",
    notIssuable: (label) =>
      `Este curso no tiene un certificado por emitir: su estado es «${label}». ` +
      "Sólo se emite un certificado cuando el curso está Pendiente de Emitir o Aprobado para Re-emisión.",
    notAnnullable: (label) =>
      `No se puede solicitar la anulación: el estado del certificado es «${label}». ` +
      "Sólo se solicita la anulación de un certificado Emitido o Rechazado para Re-emisión.",
    invoiceEmpty: "Ingrese el N° de factura / Orden de compra.",
    invoiceWrong: "El N° de factura / Orden de compra admite hasta 30 letras, números, espacios, punto, guion o barra.",
    reasonEmpty: "Ingrese el motivo de la anulación.",
    reasonShort: `El motivo de la anulación debe tener al menos ${MIN_REASON} caracteres.`,
    reasonLong: "El motivo de la anulación admite hasta 2.000 caracteres.",
    requestSent: "Solicitud enviada: el certificado quedó Pendiente de Validación.",
    issuedTitle: "Certificado emitido",
  };

  const ISSUE_FORM = { summary: "errores-emitir", inputs: ["factura"] };
  const ANNUL_FORM = { summary: "errores-anular", inputs: ["motivo"] };

  const view = {
    generation: 0, // bumps on every screen change; a late answer for an old screen is dropped
    principal: null,
    // The preview being accepted: {code, invoice, preview} until it is issued; then {code, certificate}.
    issue: null,
    certificate: null, // the certificate on the annulment screen
    courseCode: null,
  };

  const byId = (id) => document.getElementById(id);
  const {
    element,
    cell,
    fact,
    percentCell,
    slashDay,
    setStatus,
    setBusyDisabled,
    failure,
    load,
    download,
    openInNewTab,
    showProblem,
    showBelowMinimum,
    showErrors,
    clearErrors,
    api,
    go,
    replace,
    setHeading,
  } = window.GCA;

  // ------------------------------------------------------------------ small helpers

  function partyText(party) {
    return party ? `${party.rut} ${party.name}` : "Sin OTIC";
  }

  function participantRows(tableId, participants, minimum) {
    const rows = participants.map((participant) => {
      const row = element("tr", participant.below_minimum ? "row--below" : null);
      const percent = percentCell(participant.percent, participant.below_minimum, minimum);
      row.append(cell(participant.rut, "nowrap"), cell(participant.name), percent);
      return row;
    });
    byId(tableId).tBodies[0].replaceChildren(...rows);
  }

  function isAdministrator() {
    return Boolean(view.principal && ADMIN_PROFILES.includes(view.principal.profile));
  }

  function coursePath(code) {
    return `/api/courses/${encodeURIComponent(code)}`;
  }

  function courseRoute(code) {
    return `#/curso/${encodeURIComponent(code)}`;
  }

  /** The way out of a certificate screen, for its error summary. */
  function backToCourse(code) {
    return { href: courseRoute(code), text: "Volver al curso" };
  }

  function openPdf(number, button, statusId) {
    download(`/api/certificates/${encodeURIComponent(number)}/pdf`, button, statusId, { disable: true });
  }

  /** The course, or null once the reason it cannot be used is on screen. */
  async function loadCourse(statusId) {
    const generation = view.generation;
    const course = await load(coursePath(view.courseCode), statusId, () => generation === view.generation);
    if (course) setStatus(statusId, "");
    return course;
  }

  function refuse(statusId, message) {
    const status = byId(statusId);
    setStatus(statusId, message, "empty");
    const back = element("a", "status-line__link", "Volver al curso");
    back.href = courseRoute(view.courseCode);
    status.append(document.createTextNode(" "), back);
  }

  /** A form the API refused: a 400 about apiField goes on the form's field; anything else in its summary. */
  function showRefusal(form, result, apiField, code) {
    const message = failure(result);
    if (message === null) return;
    const field = result.data && result.data.error ? result.data.error.field : null;
    if (result.status === 400 && field === apiField) showErrors(form, [{ input: form.inputs[0], message }]);
    else showProblem(form, message, backToCourse(code));
  }

  // ------------------------------------------------------------------ Paso 1: N° factura / Orden de Compra

  function showSteps(visible) {
    for (const id of ["emitir-paso-factura", "emitir-paso-aceptar", "emitir-listo"]) byId(id).hidden = id !== visible;
  }

  async function showInvoiceStep(code) {
    byId("vista-emitir").hidden = false;
    showSteps(null);
    clearErrors(ISSUE_FORM);
    const course = await loadCourse("emitir-estado");
    if (!course) return;
    if (!isAdministrator()) {
      refuse("emitir-estado", MESSAGES.facilitator);
      return;
    }
    if (!course.can_issue) {
      refuse("emitir-estado", MESSAGES.notIssuable(course.certificate_state_label));
      return;
    }
    const line = byId("emitir-curso");
    line.replaceChildren();
    fact(line, "N° registro de acción Sence", course.course_code);
    fact(line, "Nombre de la actividad", course.name);
    fact(line, "Estado Certificado", course.certificate_state_label);
    // Back from "Aceptar" (or "Cambiar el N° de factura"), the number typed is still there; not after an issue.
    const kept = view.issue && view.issue.code === code && !view.issue.certificate && view.issue.invoice;
    byId("factura").value = kept ? view.issue.invoice : "";
    showSteps("emitir-paso-factura");
  }

  function readInvoice() {
    const input = byId("factura");
    const invoice = input.value.trim();
    input.value = invoice;
    if (!invoice) return { error: MESSAGES.invoiceEmpty };
    if (!INVOICE.test(invoice)) return { error: MESSAGES.invoiceWrong };
    return { invoice };
  }

  async function submitInvoice(event) {
    event.preventDefault();
    const button = byId("boton-emitir");
    if (button.disabled || !view.courseCode) return;
    const code = view.courseCode;
    const read = readInvoice();
    if (read.error) {
      showErrors(ISSUE_FORM, [{ input: "factura", message: read.error }]);
      return;
    }
    clearErrors(ISSUE_FORM);
    const generation = view.generation;
    setBusyDisabled(button, true);
    setStatus("emitir-estado", MESSAGES.checking);
    const result = await api("POST", `${coursePath(code)}/certificate/preview`, {
      body: { invoice_number: read.invoice },
    });
    setBusyDisabled(button, false);
    if (generation !== view.generation) return;
    setStatus("emitir-estado", "");
    if (result.status === 200 && result.data) {
      view.issue = { code, invoice: read.invoice, preview: result.data };
      window.location.hash = `${courseRoute(code)}/emitir/aceptar`;
      return;
    }
    showRefusal(ISSUE_FORM, result, "invoice_number", code);
  }

  // ------------------------------------------------------------------ Paso 2: Aceptar el certificado de asistencia

  function renderPreview(preview) {
    const course = preview.course;
    const list = byId("datos-emitir-lista");
    list.replaceChildren();
    fact(list, "Tipo de Actividad", course.activity_type_label);
    fact(list, "N° registro de acción Sence", course.course_code);
    fact(list, "Nombre de la actividad", course.name);
    fact(list, "Código Sence", course.sence_code);
    fact(list, "N° de Horas", course.accredited_hours);
    fact(list, "Programa", course.program_label);
    fact(list, "Fecha de inicio", slashDay(course.start_date));
    fact(list, "Fecha de término", slashDay(course.end_date));
    fact(list, "N° de factura / Orden de Compra", preview.invoice_number);

    const parties = [
      ["emitir-otec", course.institution],
      ["emitir-empresa", course.company],
      ["emitir-otic", course.otic],
    ];
    for (const [id, party] of parties) {
      const facts = byId(id);
      facts.replaceChildren();
      if (party) {
        fact(facts, "RUT", party.rut);
        fact(facts, "Razón social", party.name);
      } else {
        fact(facts, "OTIC", "Sin OTIC: actividad no intermediada");
      }
    }

    const checks = Array.isArray(preview.checks) ? preview.checks : [];
    byId("revisar-antes").hidden = !checks.length;
    byId("revisar-antes-lista").replaceChildren(...checks.map((check) => element("li", null, check.message)));

    const participants = Array.isArray(preview.participants) ? preview.participants : [];
    const minimum = course.minimum_percent;
    const below = participants.filter((participant) => participant.below_minimum).length;
    const summary = byId("emitir-bajo-minimo");
    showBelowMinimum(summary, minimum, below, participants.length);
    participantRows("tabla-emitir", participants, minimum);

    const validate = byId("datos-validar");
    validate.replaceChildren();
    fact(validate, "Nº de factura / Orden de Compra", preview.invoice_number);
    fact(validate, "Nombre del Emisor del Certificado", preview.acceptor && preview.acceptor.name);
    fact(validate, "Rut del Emisor del Certificado", preview.acceptor && preview.acceptor.rut);
  }

  function showAcceptStep(code) {
    const issue = view.issue;
    if (!issue || issue.code !== code || !issue.preview) {
      // Only the previous step makes a preview: a reload or a bookmark starts there again.
      replace(`${courseRoute(code)}/emitir`);
      return;
    }
    byId("vista-emitir").hidden = false;
    clearErrors(ISSUE_FORM);
    setStatus("emitir-estado", "");
    setStatus("aceptar-estado", "");
    if (issue.certificate) {
      showIssued(issue.certificate, false);
      return;
    }
    renderPreview(issue.preview);
    byId("cambiar-factura").href = `${courseRoute(code)}/emitir`;
    const accept = byId("boton-aceptar");
    setBusyDisabled(accept, false);
    showSteps("emitir-paso-aceptar");
  }

  async function accept() {
    const button = byId("boton-aceptar");
    const issue = view.issue;
    if (button.disabled || !issue || !issue.preview || issue.certificate) return;
    setBusyDisabled(button, true);
    clearErrors(ISSUE_FORM);
    setStatus("aceptar-estado", MESSAGES.issuing);
    const generation = view.generation;
    const result = await api("POST", `${coursePath(issue.code)}/certificate`, {
      body: { invoice_number: issue.invoice, accept: true },
    });
    setStatus("aceptar-estado", "");
    if (result.status === 201 && result.data && result.data.number) {
      issue.certificate = result.data;
      // Even if the user already left this screen, the certificate exists: the next visit says so.
      if (generation === view.generation) showIssued(result.data, true);
      return;
    }
    setBusyDisabled(button, false);
    if (generation !== view.generation) return;
    const message = failure(result);
    if (message === null) return;
    const back = backToCourse(issue.code);
    if (result.status === 409) {
      // Someone else issued it first (or it is no longer issuable): this preview is stale.
      view.issue = null;
      button.disabled = true;
      showProblem(ISSUE_FORM, `${message} No se emitió un nuevo certificado.`, back);
      return;
    }
    showProblem(ISSUE_FORM, message, back);
  }

  function showIssued(certificate, announce) {
    byId("emitido-titulo").textContent = `Certificado N° ${certificate.number} emitido`;
    const detail = byId("emitido-detalle");
    detail.replaceChildren(
      element("span", "panel__line", `Código de verificación: ${certificate.verification_code || "—"}`),
    );
    byId("volver-al-curso").href = courseRoute(view.courseCode);
    byId("volver").href = courseRoute(view.courseCode); // the N° factura step has nothing left to do
    setStatus("ver-emitido-estado", "");
    showSteps("emitir-listo");
    if (announce) setHeading(MESSAGES.issuedTitle);
    else byId("titulo-inicio").textContent = MESSAGES.issuedTitle;
  }

  // ------------------------------------------------------------------ Solicitud de Anulación Certificado.

  function renderIssuedCertificate(certificate, course) {
    const list = byId("datos-emitido-lista");
    list.replaceChildren();
    const data = certificate.course || {};
    fact(list, "Nro Certificado", certificate.number);
    fact(list, "Fecha Emisión", slashDay(certificate.issued_at));
    fact(list, "OTEC", partyText(certificate.institution || course.institution));
    fact(list, "Código Sence", data.sence_code || course.sence_code);
    fact(list, "N° registro de acción Sence", certificate.course_code || course.course_code);
    fact(list, "EMPRESA", partyText(certificate.company || course.company));
    fact(list, "Fecha de inicio", slashDay(data.start_date || course.start_date));
    fact(list, "Fecha de término", slashDay(data.end_date || course.end_date));
    fact(list, "OTIC", partyText(certificate.otic === undefined ? course.otic : certificate.otic));
    fact(list, "N° de horas", data.accredited_hours || course.accredited_hours);
    fact(list, "Nombre de la actividad", data.name || course.name);
    fact(list, "N° de factura", certificate.invoice_number);
    if (certificate.imported) fact(list, "Origen", `Importado — ${certificate.source || "sistema anterior"}`);
    const participants = Array.isArray(certificate.participants) ? certificate.participants : [];
    renderAnnulParticipants(participants, 1, window.GCAPager.sizes[0]);
  }

  /** The certificate's participants, a page at a time with the manual's pager ("Mostrando registros 1 a 10 de N"). */
  function renderAnnulParticipants(participants, page, pageSize) {
    const total = participants.length;
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const current = Math.min(Math.max(1, page), pages);
    const start = (current - 1) * pageSize;
    const shown = participants.slice(start, start + pageSize);
    participantRows("tabla-anular", shown, null);
    const nav = byId("paginas-anular");
    nav.hidden = !total;
    window.GCAPager.pager("paginas-anular", (to, size) => renderAnnulParticipants(participants, to, size)).update({
      page: current,
      page_size: pageSize,
      total,
      first: total ? start + 1 : 0,
      last: start + shown.length,
    });
  }

  function updateCount() {
    const length = [...byId("motivo").value.trim()].length;
    const count = byId("motivo-cuenta");
    const left = MAX_REASON - length;
    if (left >= 0) count.textContent = left === 1 ? "Le queda 1 carácter" : `Le quedan ${left} caracteres`;
    else count.textContent = -left === 1 ? "Tiene 1 carácter de más" : `Tiene ${-left} caracteres de más`;
    count.classList.toggle("character-count--over", left < 0);
  }

  async function showAnnulment(code) {
    const generation = view.generation;
    byId("vista-anular").hidden = false;
    byId("anular-cuerpo").hidden = true;
    clearErrors(ANNUL_FORM);
    const course = await loadCourse("anular-estado");
    if (!course) return;
    if (!isAdministrator()) {
      refuse("anular-estado", MESSAGES.facilitator);
      return;
    }
    if (!course.can_request_annulment || !course.current_certificate) {
      refuse("anular-estado", MESSAGES.notAnnullable(course.certificate_state_label));
      return;
    }
    const path = `/api/certificates/${encodeURIComponent(course.current_certificate.number)}`;
    const certificate = await load(path, "anular-estado", () => generation === view.generation);
    if (!certificate) return;
    setStatus("anular-estado", "");
    setStatus("descargar-certificado-estado", "");
    view.certificate = certificate;
    renderIssuedCertificate(certificate, course);
    byId("motivo").value = "";
    updateCount();
    setBusyDisabled(byId("boton-enviar-solicitud"), false);
    byId("anular-cuerpo").hidden = false;
  }

  function readReason() {
    const reason = byId("motivo").value.trim();
    const length = [...reason].length;
    if (!length) return { error: MESSAGES.reasonEmpty };
    if (length < MIN_REASON) return { error: MESSAGES.reasonShort };
    if (length > MAX_REASON) return { error: MESSAGES.reasonLong };
    return { reason };
  }

  async function submitAnnulment(event) {
    event.preventDefault();
    const button = byId("boton-enviar-solicitud");
    const certificate = view.certificate;
    if (button.disabled || !certificate) return;
    const read = readReason();
    if (read.error) {
      showErrors(ANNUL_FORM, [{ input: "motivo", message: read.error }]);
      return;
    }
    clearErrors(ANNUL_FORM);
    const code = view.courseCode;
    const generation = view.generation;
    setBusyDisabled(button, true);
    const path = `/api/certificates/${encodeURIComponent(certificate.number)}/annulment`;
    const result = await api("POST", path, { body: { reason: read.reason } });
    if (result.status === 201) {
      go(courseRoute(code), MESSAGES.requestSent);
      return;
    }
    setBusyDisabled(button, false);
    if (generation !== view.generation) return;
    showRefusal(ANNUL_FORM, result, "reason", code);
  }

  // ------------------------------------------------------------------ screens

  function hideAll() {
    for (const id of ["vista-emitir", "vista-anular"]) byId(id).hidden = true;
    // A message of the screen left behind must not linger, even hidden, for the next one.
    for (const id of ["emitir-estado", "aceptar-estado", "anular-estado"]) setStatus(id, "");
  }

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    view.principal = principal || null;
    view.certificate = null;
    hideAll();
    if (!principal || !route || !["issue", "accept", "annul"].includes(route.name)) {
      view.courseCode = null;
      return;
    }
    if (view.issue && view.issue.code !== route.courseCode) view.issue = null;
    view.courseCode = route.courseCode;
    const back = byId("volver");
    back.href = route.name === "accept" ? `${courseRoute(route.courseCode)}/emitir` : courseRoute(route.courseCode);
    back.hidden = false;
    if (route.name === "issue") showInvoiceStep(route.courseCode);
    else if (route.name === "accept") showAcceptStep(route.courseCode);
    else showAnnulment(route.courseCode);
  }

  function start() {
    byId("form-factura").addEventListener("submit", submitInvoice);
    byId("boton-aceptar").addEventListener("click", accept);
    // "Ver" shows the new certificate in a tab of its own (as on the course screen); the download stays.
    byId("boton-ver-emitido").addEventListener("click", (event) => {
      const issue = view.issue;
      if (!issue || !issue.certificate) return;
      const path = `/api/certificates/${encodeURIComponent(issue.certificate.number)}/pdf?inline=true`;
      openInNewTab(path, event.currentTarget, "ver-emitido-estado");
    });
    byId("boton-descargar-emitido").addEventListener("click", (event) => {
      const issue = view.issue;
      if (issue && issue.certificate) openPdf(issue.certificate.number, event.currentTarget, "ver-emitido-estado");
    });
    byId("form-anular").addEventListener("submit", submitAnnulment);
    byId("motivo").addEventListener("input", updateCount);
    byId("boton-descargar-certificado").addEventListener("click", (event) => {
      if (view.certificate) openPdf(view.certificate.number, event.currentTarget, "descargar-certificado-estado");
    });
  }

  // Listen before the shell's first render; wire the forms once the document is parsed.
  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
