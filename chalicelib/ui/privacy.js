/*
 * GCA for SENCE's data protection officer (Ley 21.719): "Solicitudes de titulares de datos".
 *
 * A person asks what the system holds about them: the officer types their RUT and "Generar informe" shows
 * the report (GET /api/data-subjects/<rut>/report): enrolments with every session and its marks, the
 * certificates naming them, the emails that named them, and every access to their data (who, when, what).
 * "Descargar Excel" hands the same report over as a file (…/report.xlsx). Producing either is itself logged
 * by the server. Server data is always written with textContent, never as HTML; the report leaves the page
 * as soon as another screen shows.
 */
(() => {
  "use strict";

  const FORM = { summary: "errores-titular", inputs: ["titular-rut"] };
  const MESSAGES = {
    rutEmpty: "Ingrese el RUT del titular.",
    generating: "Generando el informe…",
    none: "Sin registros",
  };
  const PARTS = ["informe-inscripciones", "informe-certificados", "informe-correos", "informe-accesos"];

  // What was shown or handed over (the access log's `route`), as the officer reads it.
  const DISCLOSURES = {
    participants: "Listado de participantes del curso",
    participant_sessions: "Asistencia del participante (sesiones)",
    attendance_workbook: "Excel de asistencia total del curso",
    participant_workbook: "Excel de asistencia del participante",
    certificate: "Datos del certificado",
    certificate_pdf: "Certificado en PDF",
    nightly_export: "Exportación nocturna",
    data_subject_report: "Informe del titular",
    email: "Correo",
    person_courses: "Búsqueda de sus cursos por RUT",
  };
  const PROFILES = {
    NATIONAL_ADMIN: "CAPACITADOR - ADMINISTRADOR NACIONAL",
    REGIONAL_ADMIN: "CAPACITADOR - ADMINISTRADOR REGIONAL",
    FACILITATOR: "CAPACITADOR - FACILITADOR",
    SENCE_OFFICER: "SENCE - DIRECCIÓN REGIONAL",
    DATA_PROTECTION_OFFICER: "SENCE - ENCARGADO DE PROTECCIÓN DE DATOS",
  };
  const EMAILS = {
    annulment_requested: "Solicitud de anulación (a la Dirección Regional)",
    annulment_decided: "Resolución de una anulación (a la OTEC)",
  };

  // rut: the compact RUT of the report on the page (what "Descargar Excel" asks for).
  const view = { generation: 0, rut: null, tables: 0 };

  const byId = (id) => document.getElementById(id);
  const {
    element,
    cell,
    fact,
    fillCardTable,
    percentCell,
    slashDay,
    setStatus,
    setBusyDisabled,
    failure,
    showErrors,
    clearErrors,
    showProblem,
    isDataProtectionOfficer,
    compactRut,
    rutProblem,
    api,
    download,
  } = window.GCA;

  // ------------------------------------------------------------------ small helpers

  /** 2017-04-07T12:49:00-03:00 → 07/04/2017 12:49 (the API gives Chile's local time). */
  function dayTime(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]} ${match[4]}:${match[5]}` : "";
  }

  /** 2016-11-16T09:50:00-03:00 → 09:50:00; "" for no mark. */
  function clockTime(iso) {
    const match = /T(\d{2}:\d{2}:\d{2})/.exec(String(iso || ""));
    return match ? match[1] : "";
  }

  function twoLines(first, second) {
    const wrapper = element("span", null, first || "—");
    if (second) wrapper.append(element("span", "cell__secondary", second));
    return wrapper;
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  function nothing() {
    return element("p", "report__empty", MESSAGES.none);
  }

  /**
   * A table of the report: caption (its name and a line of detail), column headers [{text, numeric}], rows
   * of <tr>. On a phone each row becomes a card whose cells say their column.
   */
  function reportTable(caption, detail, headers, rows) {
    view.tables += 1;
    const captionId = `informe-tabla-${view.tables}`;
    const table = element("table", "table table--report");
    const captionElement = element("caption", "table__caption table__caption--small");
    captionElement.id = captionId;
    const captionText = element("span", "table__caption-text", caption);
    if (detail) captionText.append(element("span", "table__caption-detail", detail));
    captionElement.append(captionText);
    const headRow = element("tr");
    for (const header of headers) {
      const th = element("th", header.numeric ? "numeric" : null, header.text);
      th.scope = "col";
      headRow.append(th);
    }
    const head = element("thead");
    head.append(headRow);
    table.append(captionElement, head, element("tbody"));
    fillCardTable(table, rows);
    const wrapper = element("div", "table-wrapper");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-labelledby", captionId);
    wrapper.tabIndex = 0;
    wrapper.append(table);
    return wrapper;
  }

  function count(items, one, many) {
    return items.length === 1 ? `1 ${one}` : `${items.length} ${many}`;
  }

  // ------------------------------------------------------------------ the parts of the report

  function sessionRow(session) {
    const row = element("tr");
    row.append(
      cell(session.session_id, "nowrap"),
      cell(slashDay(session.date), "nowrap"),
      cell(clockTime(session.entry), "nowrap"),
      cell(clockTime(session.exit), "nowrap"),
      cell(session.credited, "numeric nowrap"),
    );
    return row;
  }

  function enrolmentBlock(enrolment) {
    const course = enrolment.course || {};
    const institution = course.institution || {};
    const block = element("article", "report__item");
    const titleText = `Curso ${course.course_code} — ${course.name || ""}`;
    block.append(element("h4", "report__item-title", titleText));
    const facts = element("dl", "facts");
    fact(facts, "OTEC", institution.name ? `${institution.name} (${institution.rut})` : institution.rut);
    fact(facts, "Fechas del curso", `${slashDay(course.start_date)} al ${slashDay(course.end_date)}`);
    fact(facts, "Estado del certificado", course.certificate_state_label || course.certificate_state);
    fact(facts, "Nombre como fue inscrito", enrolment.name);
    fact(facts, "Porcentaje de asistencia", `${enrolment.attendance_percent} %`);
    block.append(facts);
    if (enrolment.correction_note) {
      const note = element("div", "inset-text report__note");
      note.append(element("p", null, enrolment.correction_note));
      block.append(note);
    }
    const sessions = list(enrolment.sessions);
    if (!sessions.length) {
      block.append(element("p", "report__empty", `${MESSAGES.none} de sesiones en este curso.`));
      return block;
    }
    block.append(
      reportTable(
        `Sesiones y marcas — curso ${course.course_code}`,
        count(sessions, "sesión", "sesiones"),
        [
          { text: "Sesión" },
          { text: "Fecha" },
          { text: "Entrada" },
          { text: "Salida" },
          { text: "Tiempo acreditado", numeric: true },
        ],
        sessions.map(sessionRow),
      ),
    );
    return block;
  }

  function certificateRow(certificate) {
    const institution = certificate.institution || {};
    const row = element("tr");
    row.append(
      cell(certificate.number, "nowrap strong"),
      cell(twoLines(institution.name || institution.rut, institution.name ? institution.rut : "")),
      cell(certificate.course_code, "nowrap"),
      cell(certificate.state_label || certificate.state),
      cell(certificate.name),
      percentCell(certificate.percent),
      cell(dayTime(certificate.issued_at), "nowrap"),
    );
    return row;
  }

  function emailRow(email) {
    const row = element("tr");
    row.append(cell(dayTime(email.at), "nowrap"), cell(EMAILS[email.kind] || email.kind), cell(email.subject));
    return row;
  }

  function accessRow(access) {
    const actor = access.actor || {};
    const who = [PROFILES[actor.profile] || actor.profile, actor.institution_rut].filter(Boolean).join(" · ");
    const about = [];
    if (access.course_code) about.push(`Curso ${access.course_code}`);
    if (access.certificate) about.push(`Certificado N° ${access.certificate}`);
    const row = element("tr");
    row.append(
      cell(dayTime(access.at), "nowrap"),
      cell(twoLines(actor.rut, who)),
      cell(DISCLOSURES[access.route] || access.route),
      cell(about.join(" · ")),
      cell(access.correlation_id ? element("span", "report__id", access.correlation_id) : null),
    );
    return row;
  }

  function fillPart(id, content) {
    byId(id).querySelector(".report__body").replaceChildren(...content);
  }

  function renderReport(report) {
    view.tables = 0;
    const subject = report.subject || {};
    byId("informe-titulo").textContent = `Informe del titular ${subject.rut}`;
    const data = byId("informe-datos");
    data.replaceChildren();
    fact(data, "RUT del titular", subject.rut);
    fact(data, "Nombres registrados", list(subject.names).join("; ") || MESSAGES.none);
    fact(data, "Informe generado", dayTime(report.generated_at));

    const enrolments = list(report.enrolments);
    fillPart("informe-inscripciones", enrolments.length ? enrolments.map(enrolmentBlock) : [nothing()]);

    const certificates = list(report.certificates);
    fillPart(
      "informe-certificados",
      certificates.length
        ? [
            reportTable(
              "Certificados en que aparece",
              count(certificates, "certificado", "certificados"),
              [
                { text: "N° Certificado" },
                { text: "OTEC" },
                { text: "Código Curso" },
                { text: "Estado" },
                { text: "Nombre" },
                { text: "Porcentaje Asistencia", numeric: true },
                { text: "Emitido" },
              ],
              certificates.map(certificateRow),
            ),
          ]
        : [nothing()],
    );

    const emails = list(report.emails);
    fillPart(
      "informe-correos",
      emails.length
        ? [
            reportTable(
              "Correos enviados que lo nombran",
              count(emails, "correo", "correos"),
              [{ text: "Enviado" }, { text: "Tipo" }, { text: "Asunto" }],
              emails.map(emailRow),
            ),
          ]
        : [nothing()],
    );

    const accesses = list(report.accesses);
    fillPart(
      "informe-accesos",
      accesses.length
        ? [
            reportTable(
              "Accesos a sus datos",
              `${count(accesses, "acceso", "accesos")}, el más antiguo primero`,
              [
                { text: "Cuándo" },
                { text: "Quién" },
                { text: "Qué se mostró" },
                { text: "Curso o certificado" },
                { text: "Correlación" },
              ],
              accesses.map(accessRow),
            ),
          ]
        : [nothing()],
    );
  }

  // ------------------------------------------------------------------ the form

  function hideReport() {
    view.rut = null;
    byId("informe").hidden = true;
    // Personal data does not stay in the page, even hidden, once it is not on screen.
    byId("informe-datos").replaceChildren();
    for (const id of PARTS) fillPart(id, []);
    setStatus("descargar-informe-estado", "");
  }

  async function submitReport(event) {
    event.preventDefault();
    const button = byId("boton-generar-informe");
    if (button.disabled) return;
    clearErrors(FORM);
    setStatus("informe-estado", "");
    const input = byId("titular-rut");
    const problem = rutProblem(input.value, MESSAGES.rutEmpty);
    if (problem) {
      showErrors(FORM, [{ input: "titular-rut", message: problem }]);
      return;
    }
    hideReport();
    const rut = compactRut(input.value);
    const generation = view.generation;
    setBusyDisabled(button, true);
    setStatus("informe-estado", MESSAGES.generating);
    const result = await api("GET", `/api/data-subjects/${encodeURIComponent(rut)}/report`);
    setBusyDisabled(button, false);
    if (generation !== view.generation) return;
    setStatus("informe-estado", "");
    if (result.status === 200 && result.data && result.data.subject) {
      view.rut = rut;
      renderReport(result.data);
      byId("informe").hidden = false;
      byId("informe-titulo").focus();
      return;
    }
    const message = failure(result);
    if (message === null) return;
    const field = result.data && result.data.error ? result.data.error.field : null;
    if (result.status === 400 && field === "rut") {
      showErrors(FORM, [{ input: "titular-rut", message }]);
      return;
    }
    showProblem(FORM, message);
  }

  function downloadReport(event) {
    if (!view.rut) return;
    const path = `/api/data-subjects/${encodeURIComponent(view.rut)}/report.xlsx`;
    download(path, event.currentTarget, "descargar-informe-estado");
  }

  // ------------------------------------------------------------------ screens

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    byId("vista-titulares").hidden = true;
    hideReport();
    byId("titular-rut").value = "";
    clearErrors(FORM);
    setStatus("informe-estado", "");
    if (!isDataProtectionOfficer(principal) || !route || route.name !== "home") return;
    byId("vista-titulares").hidden = false;
  }

  function start() {
    byId("form-titular").addEventListener("submit", submitReport);
    byId("boton-descargar-informe").addEventListener("click", downloadReport);
  }

  // Listen before the shell's first render; wire the form once the document is parsed.
  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
