/*
 * GCA web shell: login, choice of profile and institution, and the home screen.
 *
 * Plain JavaScript, no build step. The page is one document; the hash picks the view
 * (#/ingresar, #/perfil, #/inicio, #/curso/<código>, #/curso/<código>/participante/<rut>,
 * #/curso/<código>/emitir[/aceptar], #/curso/<código>/anular, #/solicitud/<id>) so that the server
 * only has to serve "/". Those screens share the home view (greeting and #contenido); the features
 * (courses.js, certificates.js, annulments.js, exports.js, privacy.js) fill #contenido when this file fires
 * `gca:inicio`, with the helpers this file shares with them on window.GCA. Server data is always written with
 * textContent, never as HTML.
 *
 * The session lives on the server: it ends at logout, 8 h after the password check, or after some idle time
 * without an authenticated request. This file keeps the clock of it (a warning two minutes before the idle
 * end, a notice before the absolute end) and a draft of what is being typed in #contenido, kept across the
 * end of the session for the same person.
 */
(() => {
  "use strict";

  const SERVICE_NAME = "Gestión de Certificado de Asistencia";
  const STORE = {
    loginToken: "gca.tokenIngreso",
    sessionToken: "gca.tokenSesion",
    account: "gca.cuenta",
    // What was being typed when the session ended: outlives clearSession, for the same RUT only.
    draft: "gca.borrador",
  };
  const ROUTES = { login: "#/ingresar", profile: "#/perfil", home: "#/inicio" };
  // Screens inside the home view: the search, one course, one participant of a course.
  const COURSE_ROUTE = /^#\/curso\/(\d{1,10})$/;
  const PARTICIPANT_ROUTE = /^#\/curso\/(\d{1,10})\/participante\/(\d{1,9}[\dkK])$/;
  const ISSUE_ROUTE = /^#\/curso\/(\d{1,10})\/emitir(\/aceptar)?$/;
  const ANNUL_ROUTE = /^#\/curso\/(\d{1,10})\/anular$/;
  const REQUEST_ROUTE = /^#\/solicitud\/([0-9a-f]{32})$/;
  // Mi perfil (the daily digest switch): every profile has it.
  const MY_PROFILE_ROUTE = "#/mi-perfil";
  // The screens of each kind of user; any other is sent back to its home.
  const OFFICER_SCREENS = ["home", "request", "myprofile"];
  const OFFICER_PROFILE = "SENCE_OFFICER";
  // SENCE's data protection officer (Ley 21.719) has one screen: the data subjects' requests.
  const DATA_PROTECTION_PROFILE = "DATA_PROTECTION_OFFICER";
  const DATA_PROTECTION_SCREENS = ["home", "myprofile"];
  const STORE_PREFIX = "gca.";
  const KEPT_KEYS = [STORE.draft];

  const SESSION_CLOCK = {
    // The server moves the idle deadline on at most once a minute: assume it ends that much earlier.
    slackMs: 60_000,
    idleWarningMs: 2 * 60_000,
    endNoticeMs: 5 * 60_000,
    // Timers sleep with the tab or the laptop: the clock is read again at least this often.
    tickMs: 15_000,
    logoutWaitMs: 5_000,
  };
  // How long a restored screen may take to show the fields of the draft.
  const RESUME_WAIT_MS = 15_000;

  const MESSAGES = {
    expired: "Su sesión expiró; ingrese nuevamente.",
    loggedOut: "Ha cerrado su sesión.",
    unreachable: "No fue posible comunicarse con el servicio. Revise su conexión e intente nuevamente.",
    unexpected: "Ocurrió un error inesperado. Intente nuevamente.",
    loading: "Cargando…",
    preparing: "Preparando el archivo…",
    rutEmpty: "Ingrese su RUT.",
    rutFormat:
      "Ingrese el RUT sólo con números y el dígito verificador, sin puntos ni guión (por ejemplo, 123456785).",
    rutCheckDigit: "El RUT no es válido: el dígito verificador no corresponde.",
    passwordEmpty: "Ingrese su Clave CUS.",
    profileEmpty: "Seleccione un perfil.",
    institutionEmpty: "Seleccione una institución.",
    noProfiles: "Su usuario no tiene perfiles asignados. Comuníquese con SENCE.",
    draftKept: "Al ingresar recuperará lo que estaba escribiendo.",
    draftRestored: "Recuperamos lo que estaba escribiendo.",
    idleTitle: "Su sesión está por cerrarse",
    idleText: (when) => `Su sesión se cerrará por inactividad en ${when}.`,
    idleNote:
      "Para seguir trabajando, presione «Seguir conectado». Si la sesión se cierra, lo que esté escribiendo " +
      "se recuperará cuando ingrese nuevamente.",
    keepSession: "Seguir conectado",
    endTitle: "Su sesión está por terminar",
    endText: (when) => `Su sesión terminará en ${when}: se cumple el tiempo máximo de una sesión.`,
    endNote:
      "No es posible extenderla. Después deberá ingresar nuevamente; lo que esté escribiendo se recuperará.",
    endUnderstood: "Entendido",
  };

  const VIEWS = {
    login: { section: "vista-ingreso", heading: "titulo-ingreso", title: "Autenticación de Usuarios" },
    profile: { section: "vista-perfil", heading: "titulo-perfil", title: "Selección de Perfil / Institución" },
    home: { section: "vista-inicio", heading: "titulo-inicio", title: "Inicio" },
  };

  // Which input shows the error for each field name the API may return.
  const FORMS = {
    login: { summary: "errores-ingreso", inputs: ["rut", "clave"], fields: { rut: "rut", password: "clave" } },
    profile: {
      summary: "errores-perfil",
      inputs: ["perfil", "institucion"],
      fields: { profile: "perfil", institution_rut: "institucion" },
    },
  };

  const TITLES = {
    course: "Listado de Participantes.",
    participant: "Revisión de asistencia de un participante",
    issue: "Emisión del certificado de asistencia – Ingreso N° factura/orden de compra",
    accept: "Aceptar el certificado de asistencia",
    annul: "Solicitud de Anulación Certificado.",
    myprofile: "Mi perfil.",
  };
  const OFFICER_TITLES = { home: "Solicitudes de anulación.", request: "Revisión de la solicitud de anulación." };
  const DATA_PROTECTION_TITLE = "Solicitudes de titulares de datos.";

  const HELP = {
    login: {
      screen: "Autenticación de Usuarios.",
      steps: [
        "Ingreso R.u.t. persona natural (solo Administrador Nacional o regional) – Facilitadores sólo podrán visualizar.",
        "Ingrese CUS.",
      ],
      note: "Escriba su RUT sin puntos ni guión, terminando en el dígito verificador (por ejemplo, 123456785; si el dígito verificador es K, escriba K al final).",
    },
    myprofile: {
      screen: "Mi perfil.",
      steps: ["Marque o desmarque «Recibir el resumen diario de pendientes por correo».", "Presione «Guardar»."],
      note: "El resumen llega a lo más una vez al día, sólo cuando algo nuevo entra a sus pendientes, y nombra cursos, nunca participantes.",
    },
    profile: {
      screen: "Selección de Perfil / Institución.",
      steps: ["Seleccione Perfil.", "Seleccione entidad capacitadora."],
      note: "Las instituciones que aparecen dependen del perfil elegido. Puede cambiar de perfil más tarde con «Cambiar perfil».",
    },
    courses: {
      screen: "Cursos.",
      steps: [
        "Seleccione tipo de Programa.",
        "Seleccione criterio de búsqueda (por ejemplo, ingrese Código de curso o ID de Acción).",
        "Opción «Buscar».",
        "Presione el ícono del estado para visualizar el detalle del curso y su certificado.",
      ],
      note: "Todo lo que haga se aplica al perfil y a la institución que aparecen bajo su nombre.",
    },
    course: {
      screen: "Listado de Participantes.",
      steps: [
        "Para revisar la asistencia total hacer clic sobre el botón «Descargar Asistencia Total».",
        "Si desea revisar el detalle de asistencia por un participante, hacer clic sobre «Ver».",
        "«Ver» junto al estado del certificado lo abre en PDF en una pestaña nueva; «Descargar» lo guarda.",
        "«Imprimir» imprime los datos del curso y todos sus participantes.",
      ],
      note: "En Impulsa Personas se marcan los participantes con menos de 75 % de asistencia.",
    },
    participant: {
      screen: "Revisión de asistencia de un participante.",
      steps: [
        "Revise las sesiones del libro de clases: las columnas «Hora Inicio» y «Hora Fin» son las marcas del participante.",
        "Para llevarse el detalle, hacer clic sobre el botón «Bajar Asistencia».",
      ],
      note: "Se encuentra considerado el tiempo de gracia de 20 minutos, luego de que el facilitador marcó su entrada e inicie la clase.",
    },
    issue: {
      screen: "Emisión del certificado de asistencia – Ingreso N° factura/orden de compra.",
      steps: [
        "Completar campo N° factura/Orden de compra.",
        "Hacer clic sobre el botón «Emitir Certificado».",
      ],
      note: "Antes de aceptar podrá revisar todos los datos del certificado; nada se emite en este paso.",
    },
    accept: {
      screen: "Aceptar el certificado de asistencia.",
      steps: [
        "Revise los datos del certificado, los participantes y las observaciones de «Revise antes de emitir».",
        "Para aceptar el certificado debe hacer clic sobre el botón «Acepto emitir el certificado».",
      ],
      note: "Una vez que emita el certificado no podrá volver a emitirlo: el curso se cerrará y no podrá realizar cambios posteriores.",
    },
    annul: {
      screen: "Solicitud de Anulación Certificado.",
      steps: [
        "Ingresar los motivos por los cuales solicita la anulación.",
        "Hacer clic sobre el botón «Envía Solicitud».",
      ],
      note: "La Dirección Regional de SENCE aprueba o rechaza la solicitud; mientras tanto el certificado queda Pendiente de Validación.",
    },
    annulments: {
      screen: "Solicitudes de anulación.",
      steps: [
        "Revise las solicitudes de anulación de certificados de los cursos de su región.",
        "Presione «Revisar» para ver los datos del certificado y resolver la solicitud.",
        "En «Solicitudes resueltas» vea lo resuelto en los últimos 90 días; filtre por resultado y por OTEC.",
        "En «Exportaciones nocturnas», presione «Descargar» para bajar el Excel de los certificados emitidos y anulados en un día.",
      ],
      note: "Arriba: cuántas solicitudes esperan, desde cuándo espera la más antigua y la mediana del tiempo en resolver de los últimos 90 días.",
    },
    dataSubjects: {
      screen: "Solicitudes de titulares de datos.",
      steps: [
        "Ingrese el RUT de la persona que pide saber qué datos suyos guarda el sistema.",
        "Presione «Generar informe»: verá sus inscripciones, marcas de asistencia, certificados, correos y quién accedió a sus datos.",
        "Presione «Descargar Excel» para entregarle el mismo informe como archivo.",
      ],
      note: "Generar el informe queda registrado entre los accesos a los datos de esa persona.",
    },
    request: {
      screen: "Revisión de la solicitud de anulación.",
      steps: [
        "Revise el motivo, los datos del certificado y sus participantes.",
        "Escriba un comentario si lo desea y presione «Aprobar» o «Rechazar»; se le pedirá confirmar.",
      ],
      note: "Aprobar anula el certificado y permite a la OTEC emitirlo nuevamente; rechazar lo mantiene vigente.",
    },
  };

  const state = {
    account: null, // {user, profiles} from the login answer
    principal: null, // {user, profile, profile_label, institution, regions}
    view: null,
    route: null, // {name: "home" | "course" | "participant" | "issue" | "accept" | "annul" | "request", …}
    busy: false,
    pendingNotice: null,
    firstRender: true,
    resume: null, // the draft to restore on the next home screen, right after a new login
    resuming: false, // restoring a draft: its own input events must not save it again
  };

  // The session's clock, in this device's time: from the `session` of the login, profile and me answers.
  const clock = {
    idleMs: null, // idle_timeout_seconds
    endsAt: null, // expires_at
    lastActivity: null, // the last successful authenticated API call
    timer: null,
    warning: null, // "idle" | "end" while the dialog is open
    endNoticeSeen: false,
    returnFocus: null,
  };

  const byId = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ storage

  function readStored(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch {
      return null;
    }
  }

  function writeStored(key, value) {
    try {
      if (value === null || value === undefined) {
        window.sessionStorage.removeItem(key);
      } else {
        window.sessionStorage.setItem(key, value);
      }
    } catch {
      // Private modes may refuse storage; the session then lasts until the page is left.
    }
  }

  function loadAccount() {
    const raw = readStored(STORE.account);
    if (!raw) return null;
    try {
      const account = JSON.parse(raw);
      return account && account.user && Array.isArray(account.profiles) ? account : null;
    } catch {
      return null;
    }
  }

  function saveAccount(account) {
    state.account = account;
    writeStored(STORE.account, account ? JSON.stringify(account) : null);
  }

  function sessionToken() {
    return readStored(STORE.sessionToken);
  }

  function loginToken() {
    return readStored(STORE.loginToken);
  }

  function clearSession() {
    writeStored(STORE.loginToken, null);
    writeStored(STORE.sessionToken, null);
    saveAccount(null);
    state.principal = null;
    state.resume = null;
    stopClock();
    // Whatever the features kept for this session (e.g. the last search) leaves with it; the draft stays.
    try {
      const keys = [];
      for (let index = 0; index < window.sessionStorage.length; index += 1) {
        keys.push(window.sessionStorage.key(index));
      }
      for (const key of keys) {
        if (key && key.startsWith(STORE_PREFIX) && !KEPT_KEYS.includes(key)) window.sessionStorage.removeItem(key);
      }
    } catch {
      // Storage refused: nothing was kept.
    }
  }

  // ------------------------------------------------------------------ RUT

  function compactRut(raw) {
    return String(raw || "")
      .replace(/[.\s-]/g, "")
      .toUpperCase();
  }

  function rutCheckDigit(body) {
    let sum = 0;
    let weight = 2;
    for (let index = body.length - 1; index >= 0; index -= 1) {
      sum += Number(body[index]) * weight;
      weight = weight === 7 ? 2 : weight + 1;
    }
    const digit = 11 - (sum % 11);
    if (digit === 11) return "0";
    if (digit === 10) return "K";
    return String(digit);
  }

  /** The error message for a typed RUT, or null when it is a valid RUT; `empty` is said when nothing was typed. */
  function rutProblem(raw, empty = MESSAGES.rutEmpty) {
    const rut = compactRut(raw);
    if (!rut) return empty;
    if (!/^\d{1,8}[\dK]$/.test(rut)) return MESSAGES.rutFormat;
    if (rutCheckDigit(rut.slice(0, -1)) !== rut.slice(-1)) return MESSAGES.rutCheckDigit;
    return null;
  }

  // ------------------------------------------------------------------ API

  /** {status, data, serverNow}: serverNow is the answer's Date header in ms (null without one). */
  async function callApi(method, path, { body, token, signal } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        signal,
      });
    } catch {
      return { status: 0, data: null, serverNow: null };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    const serverNow = Date.parse(response.headers.get("Date") || "");
    return { status: response.status, data, serverNow: Number.isNaN(serverNow) ? null : serverNow };
  }

  function apiError(result) {
    const error = result.data && result.data.error;
    if (error && error.message) return { message: String(error.message), field: error.field || null };
    return { message: result.status === 0 ? MESSAGES.unreachable : MESSAGES.unexpected, field: null };
  }

  /** The session ended (a 401, or its time ran out): keep what was being typed, then the login. */
  function sessionExpired() {
    saveDraft();
    const draft = loadDraft();
    clearSession();
    const typed = draft && Object.keys(draft.fields).length > 0;
    state.pendingNotice = typed ? `${MESSAGES.expired} ${MESSAGES.draftKept}` : MESSAGES.expired;
    navigate(ROUTES.login);
  }

  /** What to say when an answer is not the one expected; null when the session ended instead. */
  function failure(result) {
    if (result.status === 401) {
      sessionExpired();
      return null;
    }
    return apiError(result).message;
  }

  /**
   * The API as the signed-in user. A successful answer is activity (the idle clock starts again); a 401
   * saves the draft before anyone clears the session.
   */
  async function api(method, path, options = {}) {
    const token = sessionToken();
    const result = await callApi(method, path, { token, ...options });
    if (token && token === sessionToken()) {
      if (result.status >= 200 && result.status < 300) {
        if (result.data && result.data.session) noteSession(result.data.session, result.serverNow);
        noteActivity();
      } else if (result.status === 401) {
        saveDraft();
      }
    }
    return result;
  }

  // ------------------------------------------------------------------ the session's clock

  /** The `session` of an answer: how long it may stay idle, and when it ends whatever is done. */
  function noteSession(session, serverNow) {
    if (!session) return;
    const idleSeconds = Number(session.idle_timeout_seconds);
    if (idleSeconds > 0) clock.idleMs = idleSeconds * 1000;
    const endsAt = Date.parse(session.expires_at || "");
    // The server's time, moved to this device's clock (which may be wrong by minutes).
    const skew = serverNow === null || serverNow === undefined ? 0 : serverNow - Date.now();
    clock.endsAt = Number.isNaN(endsAt) ? null : endsAt - skew;
  }

  /** A successful authenticated call: the idle clock starts again. */
  function noteActivity() {
    clock.lastActivity = Date.now();
    if (clock.warning === "idle") hideSessionWarning();
    checkClock();
  }

  function stopClock() {
    window.clearTimeout(clock.timer);
    clock.timer = null;
    hideSessionWarning();
    clock.idleMs = null;
    clock.endsAt = null;
    clock.lastActivity = null;
    clock.endNoticeSeen = false;
  }

  /** Reads the clock: warns, ends the session, or sleeps until the next thing to do. */
  function checkClock() {
    window.clearTimeout(clock.timer);
    clock.timer = null;
    if (!sessionToken() || !clock.idleMs || clock.lastActivity === null) return;
    const now = Date.now();
    const idleEnd = clock.lastActivity + clock.idleMs - SESSION_CLOCK.slackMs;
    const hardEnd = clock.endsAt === null ? Infinity : clock.endsAt;
    if (now >= Math.min(idleEnd, hardEnd)) {
      timedOut();
      return;
    }
    const idleWarning = idleEnd - SESSION_CLOCK.idleWarningMs;
    const endNotice = hardEnd - SESSION_CLOCK.endNoticeMs;
    if (hardEnd <= idleEnd && now >= endNotice) {
      if (!clock.endNoticeSeen) showSessionWarning("end", hardEnd - now);
    } else if (now >= idleWarning) {
      showSessionWarning("idle", idleEnd - now);
    } else if (clock.warning === "idle") {
      hideSessionWarning();
    }
    const upcoming = [idleWarning, idleEnd, endNotice, hardEnd].filter((moment) => moment > now);
    const wait = Math.min(SESSION_CLOCK.tickMs, ...upcoming.map((moment) => moment - now));
    clock.timer = window.setTimeout(checkClock, Math.max(250, wait));
  }

  /** The clock ran out: the draft is kept, the server is told (it may count a minute more), then the login. */
  function timedOut() {
    const token = sessionToken();
    if (token) callApi("POST", "/api/auth/logout", { token }); // nothing to do if it fails
    sessionExpired();
  }

  function minutesText(ms) {
    const minutes = Math.max(1, Math.ceil(ms / 60_000));
    return minutes === 1 ? "1 minuto" : `${minutes} minutos`;
  }

  /** The dialog before the end (role="alertdialog"): kind "idle" (Seguir conectado) or "end" (Entendido). */
  function showSessionWarning(kind, remainingMs) {
    const dialog = byId("aviso-sesion");
    const idle = kind === "idle";
    byId("aviso-sesion-texto").textContent = idle
      ? MESSAGES.idleText(minutesText(remainingMs))
      : MESSAGES.endText(minutesText(remainingMs));
    if (clock.warning === kind && dialog.open) return;
    byId("aviso-sesion-titulo").textContent = idle ? MESSAGES.idleTitle : MESSAGES.endTitle;
    byId("aviso-sesion-nota").textContent = idle ? MESSAGES.idleNote : MESSAGES.endNote;
    const button = byId("boton-seguir-conectado");
    button.textContent = idle ? MESSAGES.keepSession : MESSAGES.endUnderstood;
    setBusy(button, false);
    setStatus("aviso-sesion-estado", "");
    if (!dialog.open) {
      clock.returnFocus = document.activeElement;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    clock.warning = kind;
    button.focus();
  }

  function hideSessionWarning() {
    const dialog = byId("aviso-sesion");
    const wasOpen = clock.warning !== null;
    clock.warning = null;
    if (dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
    // Back where the person was, as the error summary's links lead back to their field.
    const back = clock.returnFocus;
    clock.returnFocus = null;
    if (wasOpen && back && back !== document.body && document.contains(back) && !back.closest("[hidden]")) {
      back.focus({ preventScroll: true });
    }
  }

  /** "Seguir conectado": GET /api/auth/me counts as activity. "Entendido" only closes the notice. */
  async function answerSessionWarning() {
    const button = byId("boton-seguir-conectado");
    if (clock.warning === "end") {
      clock.endNoticeSeen = true;
      hideSessionWarning();
      checkClock();
      return;
    }
    if (clock.warning !== "idle" || isBusy(button)) return;
    setBusy(button, true);
    const result = await api("GET", "/api/auth/me");
    setBusy(button, false);
    if (result.status === 200 && result.data) {
      hideSessionWarning(); // api() already started the clock again
      return;
    }
    if (result.status === 401) {
      sessionExpired();
      return;
    }
    setStatus("aviso-sesion-estado", apiError(result).message, "error");
  }

  // ------------------------------------------------------------------ the draft (what was being typed)

  /** The fields of the current screen's forms in #contenido that hold something: {id: value}. Never a password. */
  function draftFields() {
    const fields = {};
    for (const field of byId("contenido").querySelectorAll("form input, form textarea, form select")) {
      if (!field.id || field.disabled || field.closest("[hidden]")) continue;
      if (["password", "hidden", "file", "checkbox", "radio", "submit", "button"].includes(field.type)) continue;
      if (field.value) fields[field.id] = field.value;
    }
    return fields;
  }

  /** Saves the screen (its route and fields) for the person on it; nothing outside a home screen. */
  function saveDraft() {
    const principal = state.principal;
    if (state.resuming || state.view !== "home" || !principal || !sessionToken()) return;
    const draft = {
      rut: principal.user.rut,
      profile: principal.profile,
      institution: principal.institution.rut,
      route: window.location.hash,
      fields: draftFields(),
    };
    writeStored(STORE.draft, JSON.stringify(draft));
  }

  function loadDraft() {
    const raw = readStored(STORE.draft);
    if (!raw) return null;
    try {
      const draft = JSON.parse(raw);
      const valid =
        draft &&
        typeof draft.rut === "string" &&
        typeof draft.route === "string" &&
        homeRoute(draft.route) &&
        draft.fields &&
        typeof draft.fields === "object";
      return valid ? draft : null;
    } catch {
      return null;
    }
  }

  function discardDraft() {
    writeStored(STORE.draft, null);
  }

  /** Typing (or choosing) in a form of #contenido keeps the draft current: a 401 on submit loses nothing. */
  function onContentInput(event) {
    if (event.target && event.target.closest && event.target.closest("form")) saveDraft();
  }

  /**
   * Back on the draft's screen after a new login: its fields get their values as soon as the screen (which
   * renders asynchronously after `gca:inicio`) shows them, in the order they were saved, so that a choice
   * that reveals a field (the search criterion) comes before it. Then the draft is gone.
   */
  function resumeDraft(draft) {
    const route = draft.route;
    const pending = Object.entries(draft.fields);
    const started = Date.now();
    let restored = 0;
    state.resuming = true;
    const step = () => {
      if (window.location.hash !== route || state.view !== "home" || !sessionToken()) {
        state.resuming = false;
        discardDraft();
        return;
      }
      for (let index = 0; index < pending.length; ) {
        const [id, value] = pending[index];
        const field = byId(id);
        if (field && byId("contenido").contains(field) && !field.closest("[hidden]")) {
          field.value = value;
          // The screen's own listeners (counters, the fields a criterion shows) see it as typed.
          field.dispatchEvent(new Event("input", { bubbles: true }));
          field.dispatchEvent(new Event("change", { bubbles: true }));
          pending.splice(index, 1);
          restored += 1;
        } else {
          index += 1;
        }
      }
      if (pending.length && Date.now() - started < RESUME_WAIT_MS) {
        window.setTimeout(step, 100);
        return;
      }
      state.resuming = false;
      discardDraft();
      if (restored) showNotice(MESSAGES.draftRestored);
    };
    step();
  }

  // ------------------------------------------------------------------ shared with the features (window.GCA)

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A table cell: a node, or a text ("—" when there is none). */
  function cell(content, className) {
    const td = element("td", className);
    if (content instanceof Node) td.append(content);
    else td.textContent = content === null || content === undefined || content === "" ? "—" : String(content);
    return td;
  }

  /** One term and its value ("—" when there is none) at the end of a <dl class="facts">. */
  function fact(list, term, value, wide) {
    const item = element("div", `facts__item${wide ? " facts__item--wide" : ""}`);
    const dd = element("dd", "facts__value");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    item.append(element("dt", "facts__term", term), dd);
    list.append(item);
  }

  /** A table's caption: its name, and a line of detail below it. */
  function setCaption(captionId, text, detail) {
    const caption = element("span", "table__caption-text", text);
    caption.append(element("span", "table__caption-detail", detail));
    byId(captionId).replaceChildren(caption);
  }

  /**
   * The rows of a table that becomes one card per row on a phone: every cell says which column it belongs
   * to (the name of a column that only screen readers hear is not repeated).
   */
  function fillCardTable(table, rows) {
    const headers = [...table.tHead.rows[0].cells].map((th) =>
      th.querySelector(".visually-hidden") ? "" : th.textContent.trim(),
    );
    for (const row of rows) {
      [...row.cells].forEach((td, index) => {
        if (headers[index]) td.dataset.label = headers[index];
      });
    }
    table.tBodies[0].replaceChildren(...rows);
  }

  /** A status line (role="status"): kind is "error", "empty" or nothing; an empty message hides it. */
  function setStatus(id, message, kind) {
    const status = byId(id);
    status.textContent = message || "";
    status.classList.toggle("status-line--error", kind === "error");
    status.classList.toggle("status-line--empty", kind === "empty");
    status.hidden = !message;
  }

  /** A button at work: it looks busy and stays focusable (aria-disabled); check isBusy before acting. */
  function setBusy(button, busy) {
    button.setAttribute("aria-disabled", busy ? "true" : "false");
    button.classList.toggle("button--busy", busy);
  }

  function isBusy(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  /** A button at work that is also `disabled`: a double click must not send the request twice. */
  function setBusyDisabled(button, busy) {
    button.disabled = busy;
    button.classList.toggle("button--busy", busy);
  }

  /**
   * GET path for a screen, with "Cargando…" on the status line statusId. The answer's data; or null when
   * the screen changed meanwhile (isCurrent() is false), or once the reason it failed is on the status
   * line (or the session ended). valid(data) may ask more of an answer than a body.
   */
  async function load(path, statusId, isCurrent, valid = () => true) {
    setStatus(statusId, MESSAGES.loading);
    const result = await api("GET", path);
    if (!isCurrent()) return null;
    if (result.status !== 200 || !result.data || !valid(result.data)) {
      const message = failure(result);
      if (message) setStatus(statusId, message, "error");
      return null;
    }
    return result.data;
  }

  /** An answer {url, filename} starts its download, and the status line says so; false for any other answer. */
  function followDownload(result, statusId) {
    const link = result.status === 200 && result.data && result.data.url;
    if (!link || !/^https?:\/\//.test(link)) return false;
    setStatus(statusId, `Se inició la descarga de «${result.data.filename}».`);
    // A short-lived S3 link that answers as an attachment: the page stays where it is.
    window.location.assign(link);
    return true;
  }

  /** A file behind GET path, asked for by button; disable: the button is disabled meanwhile (setBusyDisabled). */
  async function download(path, button, statusId, { disable = false } = {}) {
    if (disable ? button.disabled : isBusy(button)) return;
    const busy = disable ? setBusyDisabled : setBusy;
    busy(button, true);
    setStatus(statusId, MESSAGES.preparing);
    const result = await api("GET", path);
    busy(button, false);
    if (followDownload(result, statusId)) return;
    const message = failure(result);
    if (message) setStatus(statusId, message, "error");
  }

  /**
   * A document behind GET path shown in a new tab (e.g. a certificate's PDF with ?inline=true). The tab is
   * opened at the click, before the answer, so that no pop-up blocker stops it; it is closed again when
   * the answer is not a link, whose reason goes to the status line.
   */
  async function openInNewTab(path, button, statusId) {
    if (button.disabled) return;
    const tab = window.open("", "_blank");
    if (tab) tab.opener = null;
    setBusyDisabled(button, true);
    setStatus(statusId, MESSAGES.preparing);
    const result = await api("GET", path);
    setBusyDisabled(button, false);
    const link = result.status === 200 && result.data && result.data.url;
    if (link && /^https?:\/\//.test(link)) {
      setStatus(statusId, `Se abrió «${result.data.filename}» en una pestaña nueva.`);
      if (tab) tab.location.replace(link);
      else window.location.assign(link); // no new tab allowed: show it here
      return;
    }
    if (tab) tab.close();
    const message = failure(result);
    if (message) setStatus(statusId, message, "error");
  }

  /**
   * The error summary of a form (the shell's GOV.UK pattern) for a message that is not about a field, with
   * a way out when there is one: link {href, text}. focus=false leaves the focus to the caller.
   */
  function showProblem(form, message, link, { focus = true } = {}) {
    const summary = byId(form.summary);
    const item = element("li", "error-summary__text", message);
    if (link) {
      const anchor = element("a", null, link.text);
      anchor.href = link.href;
      item.append(document.createTextNode(" "), anchor);
    }
    summary.querySelector("ul").replaceChildren(item);
    summary.hidden = false;
    if (focus) summary.focus();
  }

  /** A participant's attendance; the mark "Bajo N %" goes before the number, so that the numbers stay aligned. */
  function percentCell(percent, below, minimum) {
    const td = element("td", "numeric nowrap");
    if (below && minimum !== null && minimum !== undefined) {
      td.append(element("strong", "tag tag--below", `Bajo ${minimum} %`), document.createTextNode(" "));
    }
    td.append(element("span", "percent", `${percent} %`));
    return td;
  }

  /** "N participantes bajo el M % de asistencia" above a list of participants; hidden without a minimum or anyone. */
  function showBelowMinimum(paragraph, minimum, below, participants) {
    paragraph.hidden = minimum === null || minimum === undefined || !participants;
    if (paragraph.hidden) return;
    if (!below) paragraph.textContent = `Todos los participantes tienen ${minimum} % o más de asistencia.`;
    else if (below === 1) paragraph.textContent = `1 participante bajo el ${minimum} % de asistencia`;
    else paragraph.textContent = `${below} participantes bajo el ${minimum} % de asistencia`;
    paragraph.classList.toggle("below-summary--alert", below > 0);
  }

  /** 2017-01-02 → 02/01/2017, as the certificate screens of the manual write dates. */
  function slashDay(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]}` : "";
  }

  /** {name, rut} → "name (rut)"; "" for nobody. */
  function nameWithRut(value) {
    return value ? `${value.name} (${value.rut})` : "";
  }

  // ------------------------------------------------------------------ page chrome

  function setTitle(view, withError) {
    const base = state.view === "home" && state.principal ? homeTitle().replace(/\.$/, "") : VIEWS[view].title;
    document.title = `${withError ? "Error: " : ""}${base} — ${SERVICE_NAME}`;
  }

  function showNotice(message) {
    const notice = byId("aviso-general");
    byId("aviso-general-texto").textContent = message || "";
    notice.hidden = !message;
  }

  function show(view, notice) {
    for (const [name, config] of Object.entries(VIEWS)) {
      byId(config.section).hidden = name !== view;
    }
    byId("cargando").hidden = true;
    state.view = view;
    showNotice(notice);
    byId("boton-cerrar-sesion").hidden = !(sessionToken() || loginToken());
    byId("enlace-mi-perfil").hidden = !(view === "home" && sessionToken());
    setTitle(view, false);
    // On a change of screen, tell screen readers where they are; not on the first load.
    if (!state.firstRender) byId(VIEWS[view].heading).focus();
    state.firstRender = false;
  }

  /** The login and profile forms: one request at a time. */
  function setFormBusy(button, busy) {
    state.busy = busy;
    setBusy(button, busy);
  }

  // ------------------------------------------------------------------ errors (GOV.UK pattern)

  function describedByWithout(input, errorId) {
    return (input.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter((id) => id && id !== errorId)
      .join(" ");
  }

  function clearErrors(formName) {
    clearFormErrors(FORMS[formName]);
  }

  /** form: {summary, inputs} — the id of the error summary and the ids of the inputs it may name. */
  function clearFormErrors(form) {
    const summary = byId(form.summary);
    summary.hidden = true;
    summary.querySelector("ul").replaceChildren();
    for (const inputId of form.inputs) {
      const input = byId(inputId);
      const message = byId(`${inputId}-error`);
      message.hidden = true;
      message.replaceChildren();
      input.removeAttribute("aria-invalid");
      const describedBy = describedByWithout(input, message.id);
      if (describedBy) input.setAttribute("aria-describedby", describedBy);
      else input.removeAttribute("aria-describedby");
      input.closest(".form-group").classList.remove("form-group--error");
    }
  }

  function focusField(input) {
    const label = document.querySelector(`label[for="${input.id}"]`);
    input.focus({ preventScroll: true });
    (label || input).scrollIntoView({ block: "start" });
  }

  /**
   * errors: [{input, message, inline}] — input is the id of the field the message is about;
   * inline=false keeps a message that is not about one field (e.g. a wrong RUT/clave pair)
   * out of the field while its summary link still leads there.
   */
  function showErrors(formName, errors) {
    showFormErrors(FORMS[formName], errors);
  }

  /** The API's refusal of the login or profile form, on the field it names when there is one. */
  function showApiError(formName, result) {
    const error = apiError(result);
    const inputId = FORMS[formName].fields[error.field];
    showErrors(formName, [{ input: inputId || null, message: error.message, inline: Boolean(inputId) }]);
  }

  function showFormErrors(form, errors) {
    const summary = byId(form.summary);
    const list = summary.querySelector("ul");
    list.replaceChildren();
    for (const error of errors) {
      const inputId = error.input || form.inputs[0];
      const item = element("li");
      const link = element("a", null, error.message);
      link.href = `#${inputId}`;
      link.addEventListener("click", (event) => {
        event.preventDefault(); // the hash belongs to the router
        focusField(byId(inputId));
      });
      item.append(link);
      list.append(item);
      if (error.input && error.inline !== false) {
        const input = byId(error.input);
        const message = byId(`${error.input}-error`);
        message.replaceChildren(element("span", "visually-hidden", "Error: "), document.createTextNode(error.message));
        message.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", `${describedByWithout(input, message.id)} ${message.id}`.trim());
        input.closest(".form-group").classList.add("form-group--error");
      }
    }
    summary.hidden = false;
    setTitle(state.view, true);
    summary.focus();
  }

  // ------------------------------------------------------------------ routing

  function navigate(route) {
    if (window.location.hash === route) {
      render();
    } else {
      window.location.hash = route; // the hashchange event renders
    }
  }

  function redirect(route) {
    window.history.replaceState(null, "", route);
    render();
  }

  /** The screen of the home view named by a hash, or null when the hash is not one of them. */
  function homeRoute(hash) {
    if (hash === ROUTES.home) return { name: "home" };
    if (hash === MY_PROFILE_ROUTE) return { name: "myprofile" };
    let match = COURSE_ROUTE.exec(hash);
    if (match) return { name: "course", courseCode: match[1] };
    match = PARTICIPANT_ROUTE.exec(hash);
    if (match) return { name: "participant", courseCode: match[1], rut: match[2].toUpperCase() };
    match = ISSUE_ROUTE.exec(hash);
    if (match) return { name: match[2] ? "accept" : "issue", courseCode: match[1] };
    match = ANNUL_ROUTE.exec(hash);
    if (match) return { name: "annul", courseCode: match[1] };
    match = REQUEST_ROUTE.exec(hash);
    if (match) return { name: "request", requestId: match[1] };
    return null;
  }

  function render() {
    const notice = state.pendingNotice;
    state.pendingNotice = null;
    const hash = window.location.hash;
    if (hash === ROUTES.profile) {
      if (state.account && (sessionToken() || loginToken())) return renderProfile(notice);
      if (sessionToken()) return redirect(ROUTES.home);
      return redirect(ROUTES.login);
    }
    const route = homeRoute(hash);
    if (route) {
      if (!sessionToken()) {
        state.pendingNotice = notice;
        return redirect(ROUTES.login);
      }
      if (state.principal) return renderHome(notice, route);
      state.pendingNotice = notice;
      return restoreSession();
    }
    if (sessionToken()) {
      state.pendingNotice = notice;
      return redirect(ROUTES.home);
    }
    if (hash !== ROUTES.login) {
      state.pendingNotice = notice;
      return redirect(ROUTES.login);
    }
    return renderLogin(notice);
  }

  async function restoreSession() {
    const result = await callApi("GET", "/api/auth/me", { token: sessionToken() });
    if (result.status === 200 && result.data && result.data.user) {
      const { session, ...principal } = result.data;
      state.principal = principal;
      noteSession(session, result.serverNow);
      noteActivity();
      render();
      return;
    }
    if (result.status === 401) {
      // No screen was shown: a draft saved while typing stays as it is.
      clearSession();
      state.pendingNotice = MESSAGES.expired;
      redirect(ROUTES.login);
      return;
    }
    // The service did not answer: keep the tokens (the next load may succeed) and offer the login.
    window.history.replaceState(null, "", ROUTES.login);
    renderLogin(apiError(result).message);
  }

  // ------------------------------------------------------------------ login

  function renderLogin(notice) {
    clearErrors("login");
    show("login", notice);
  }

  async function submitLogin(event) {
    event.preventDefault();
    if (state.busy) return;
    const button = byId("boton-ingresar");
    const rutInput = byId("rut");
    const passwordInput = byId("clave");
    clearErrors("login");
    showNotice(null);

    const errors = [];
    const rutMessage = rutProblem(rutInput.value);
    if (rutMessage) errors.push({ input: "rut", message: rutMessage });
    if (!passwordInput.value) errors.push({ input: "clave", message: MESSAGES.passwordEmpty });
    if (errors.length) {
      showErrors("login", errors);
      return;
    }

    setFormBusy(button, true);
    const result = await callApi("POST", "/api/auth/login", {
      body: { rut: compactRut(rutInput.value), password: passwordInput.value },
    });
    setFormBusy(button, false);

    if (result.status === 200 && result.data && result.data.token) {
      // A draft is only ever shown to the person who typed it.
      const draft = loadDraft();
      if (draft && (!result.data.user || draft.rut !== result.data.user.rut)) discardDraft();
      writeStored(STORE.sessionToken, null);
      writeStored(STORE.loginToken, result.data.token);
      state.principal = null;
      saveAccount({ user: result.data.user, profiles: result.data.profiles || [] });
      passwordInput.value = "";
      navigate(ROUTES.profile);
      return;
    }
    if (result.status === 401 || result.status === 429) passwordInput.value = "";
    showApiError("login", result);
  }

  // ------------------------------------------------------------------ profile and institution

  function distinctBy(items, keyOf) {
    const seen = new Set();
    return items.filter((item) => {
      const key = keyOf(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function fillSelect(select, options, selectedValue) {
    select.replaceChildren(
      ...options.map(({ value, text }) => {
        const option = element("option", null, text);
        option.value = value;
        return option;
      }),
    );
    if (options.some((option) => option.value === selectedValue)) select.value = selectedValue;
    else if (options.length) select.value = options[0].value;
  }

  function fillInstitutions(preferredRut) {
    const profile = byId("perfil").value;
    const grants = state.account.profiles.filter((grant) => grant.profile === profile);
    const institutions = distinctBy(grants, (grant) => grant.institution.rut).map((grant) => ({
      value: grant.institution.rut,
      text: grant.institution.name,
    }));
    fillSelect(byId("institucion"), institutions, preferredRut);
  }

  function renderProfile(notice) {
    const { user, profiles } = state.account;
    const current = state.principal;
    byId("saludo-perfil").textContent = `Hola, ${user.name}`;
    const options = distinctBy(profiles, (grant) => grant.profile).map((grant) => ({
      value: grant.profile,
      text: grant.profile_label,
    }));
    fillSelect(byId("perfil"), options, current ? current.profile : null);
    fillInstitutions(current ? current.institution.rut : null);
    clearErrors("profile");
    show("profile", notice);
    if (!profiles.length) showErrors("profile", [{ input: "perfil", message: MESSAGES.noProfiles }]);
  }

  async function submitProfile(event) {
    event.preventDefault();
    if (state.busy) return;
    const button = byId("boton-seleccionar");
    const profile = byId("perfil").value;
    const institutionRut = byId("institucion").value;
    clearErrors("profile");
    showNotice(null);

    const errors = [];
    if (!profile) errors.push({ input: "perfil", message: MESSAGES.profileEmpty });
    if (!institutionRut) errors.push({ input: "institucion", message: MESSAGES.institutionEmpty });
    if (errors.length) {
      showErrors("profile", errors);
      return;
    }

    setFormBusy(button, true);
    // A session token may choose again ("Cambiar perfil"); right after login only the login token exists.
    const afterLogin = !sessionToken();
    const result = await callApi("POST", "/api/auth/profile", {
      body: { profile, institution_rut: institutionRut },
      token: sessionToken() || loginToken(),
    });
    setFormBusy(button, false);

    if (result.status === 200 && result.data && result.data.token) {
      const { token, session, ...principal } = result.data;
      writeStored(STORE.sessionToken, token);
      writeStored(STORE.loginToken, null);
      state.principal = principal;
      noteSession(session, result.serverNow);
      noteActivity();
      // Right after a login, the screen where the session ended, if it was this person's with this profile.
      const draft = afterLogin ? loadDraft() : null;
      const same =
        draft &&
        draft.rut === principal.user.rut &&
        draft.profile === principal.profile &&
        draft.institution === principal.institution.rut;
      if (same) {
        state.resume = draft;
        navigate(draft.route);
        return;
      }
      discardDraft();
      navigate(ROUTES.home);
      return;
    }
    if (result.status === 401) {
      sessionExpired();
      return;
    }
    showApiError("profile", result);
  }

  // ------------------------------------------------------------------ home

  function isOfficer(principal) {
    return Boolean(principal && principal.profile === OFFICER_PROFILE);
  }

  function isDataProtectionOfficer(principal) {
    return Boolean(principal && principal.profile === DATA_PROTECTION_PROFILE);
  }

  /** An OTEC's user (administrator or facilitator): the courses and their certificates. */
  function isTrainingBody(principal) {
    return Boolean(principal) && !isOfficer(principal) && !isDataProtectionOfficer(principal);
  }

  /** Whether the screen `name` of the home view is one this person's profile has. */
  function hasScreen(principal, name) {
    if (name === "home") return true;
    if (isOfficer(principal)) return OFFICER_SCREENS.includes(name);
    if (isDataProtectionOfficer(principal)) return DATA_PROTECTION_SCREENS.includes(name);
    return name === "myprofile" || !OFFICER_SCREENS.includes(name);
  }

  /** The names of a SENCE officer's regions, for the inbox and the exports. */
  function regionNames(principal) {
    const regions = (principal && principal.regions) || [];
    return regions.map((region) => region.name).join(", ") || "su región";
  }

  function homeTitle() {
    const name = state.route && state.route.name;
    if (name === "myprofile") return TITLES.myprofile;
    if (isOfficer(state.principal)) return OFFICER_TITLES[name] || OFFICER_TITLES.home;
    if (isDataProtectionOfficer(state.principal)) return DATA_PROTECTION_TITLE;
    return TITLES[name] || "Cursos.";
  }

  function renderHome(notice, route) {
    const principal = state.principal;
    // The course screens are for training bodies; a SENCE officer has only the inbox and its requests, the
    // data protection officer only the data subjects' requests.
    if (!hasScreen(principal, route.name)) {
      state.pendingNotice = notice;
      redirect(ROUTES.home);
      return;
    }
    state.route = route;
    byId("titulo-inicio").textContent = homeTitle();
    byId("saludo-nombre").textContent = `Hola, ${principal.user.name}`;
    byId("saludo-perfil-actual").textContent = principal.profile_label;
    byId("saludo-institucion").textContent = principal.institution.name;
    byId("cambiar-perfil-parrafo").hidden = !(state.account && state.account.profiles.length > 1);

    const intro = byId("contenido-intro");
    intro.hidden = route.name !== "home";
    if (isOfficer(principal)) {
      intro.textContent =
        "Solicitudes de anulación de certificados de los cursos de " +
        `${regionNames(principal)} que esperan su aprobación o rechazo.`;
    } else if (isDataProtectionOfficer(principal)) {
      intro.textContent =
        "Informe de todo lo que el sistema guarda sobre una persona (Ley 21.719): sus inscripciones, marcas " +
        "de asistencia, certificados, los correos que la nombran y quién accedió a sus datos.";
    } else {
      intro.textContent =
        "Seleccione Tipo de Búsqueda (Se debe seleccionar el tipo de búsqueda por los distintos criterios Pre-Definidos)";
    }
    show("home", notice);
    // The features (courses.js, certificates.js, annulments.js, exports.js, privacy.js) render their screen
    // into #contenido.
    document.dispatchEvent(new CustomEvent("gca:inicio", { detail: { principal, route } }));
    const resume = state.resume;
    state.resume = null;
    if (resume && resume.route === window.location.hash) {
      resumeDraft(resume);
      return;
    }
    // A draft belongs to its screen: once another one shows, it is of no use.
    const draft = loadDraft();
    if (draft && draft.route !== window.location.hash) discardDraft();
  }

  /** "Cerrar Sesión": the server ends the session (a failure changes nothing here), then the browser forgets it. */
  async function logOut() {
    const button = byId("boton-cerrar-sesion");
    if (isBusy(button)) return;
    const token = sessionToken() || loginToken();
    if (token) {
      setBusy(button, true);
      const controller = typeof AbortController === "function" ? new AbortController() : null;
      const timer = controller ? window.setTimeout(() => controller.abort(), SESSION_CLOCK.logoutWaitMs) : null;
      await callApi("POST", "/api/auth/logout", { token, signal: controller ? controller.signal : undefined });
      window.clearTimeout(timer);
      setBusy(button, false);
    }
    discardDraft(); // leaving on purpose: nothing to come back to
    clearSession();
    byId("form-ingreso").reset();
    clearErrors("login");
    clearErrors("profile");
    state.pendingNotice = MESSAGES.loggedOut;
    navigate(ROUTES.login);
  }

  // ------------------------------------------------------------------ help

  function openHelp() {
    let help = HELP.login;
    if (state.view === "profile") help = HELP.profile;
    if (state.view === "home") {
      const name = state.route && state.route.name;
      if (name === "myprofile") help = HELP.myprofile;
      else if (isOfficer(state.principal)) help = name === "request" ? HELP.request : HELP.annulments;
      else if (isDataProtectionOfficer(state.principal)) help = HELP.dataSubjects;
      else help = HELP[name] || HELP.courses;
    }
    byId("ayuda-pantalla").textContent = `Pantalla: ${help.screen}`;
    byId("ayuda-pasos").replaceChildren(...help.steps.map((step) => element("li", null, step)));
    const note = byId("ayuda-nota");
    note.textContent = help.note;
    note.hidden = !help.note;
    const dialog = byId("ayuda");
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }

  // ------------------------------------------------------------------ start

  function start() {
    state.account = loadAccount();
    byId("form-ingreso").addEventListener("submit", submitLogin);
    byId("form-perfil").addEventListener("submit", submitProfile);
    byId("perfil").addEventListener("change", () => fillInstitutions(null));
    byId("boton-cerrar-sesion").addEventListener("click", logOut);
    byId("boton-ayuda").addEventListener("click", openHelp);
    byId("contenido").addEventListener("input", onContentInput);
    byId("contenido").addEventListener("change", onContentInput);
    const warning = byId("aviso-sesion");
    byId("boton-seguir-conectado").addEventListener("click", answerSessionWarning);
    warning.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape answers as the button does: the warning must not just vanish
      answerSessionWarning();
    });
    // A sleeping laptop or a background tab delays timers: read the clock when the page is seen again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") checkClock();
    });
    const dialog = byId("ayuda");
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
    byId("saltar").addEventListener("click", (event) => {
      event.preventDefault(); // the hash belongs to the router
      byId("contenido-principal").focus();
    });
    window.addEventListener("hashchange", render);
    render();
  }

  // A small, stable surface for the features that fill #contenido. They load after this file and take
  // what they use from it as they load; so the first render waits for the document (and them).
  window.GCA = Object.freeze({
    api,
    principal: () => state.principal,
    // The GOV.UK error summary of the login page, for any form: {summary, inputs} are element ids;
    // errors are [{input, message, inline}] as for showErrors above.
    showErrors: (form, errors) => showFormErrors(form, errors),
    clearErrors: (form) => clearFormErrors(form),
    showProblem,
    // What to say when an answer is not the one expected; null when the session ended (and the login shows).
    failure,
    messages: Object.freeze({
      unreachable: MESSAGES.unreachable,
      unexpected: MESSAGES.unexpected,
      loading: MESSAGES.loading,
    }),
    // Another screen, with a message for the top of it (e.g. "Solicitud enviada…").
    go: (route, notice) => {
      state.pendingNotice = notice || null;
      navigate(route);
    },
    // The same, without leaving the current address in the history (a step that cannot be shown).
    replace: (route) => redirect(route),
    // A screen that changes step without changing route names its step in the h1 and the title.
    setHeading: (text) => {
      const heading = byId("titulo-inicio");
      heading.textContent = text;
      document.title = `${text.replace(/\.$/, "")} — ${SERVICE_NAME}`;
      heading.focus();
    },
    isOfficer,
    isDataProtectionOfficer,
    isTrainingBody,
    regionNames,
    compactRut,
    // The login's check of a typed RUT: the message to show, or null; `empty` replaces "Ingrese su RUT.".
    rutProblem: (raw, empty) => rutProblem(raw, empty),
    // Building the screens: elements, cells, facts, tables, status lines, buttons at work, downloads.
    element,
    cell,
    fact,
    setCaption,
    fillCardTable,
    percentCell,
    showBelowMinimum,
    slashDay,
    nameWithRut,
    setStatus,
    setBusy,
    isBusy,
    setBusyDisabled,
    load,
    followDownload,
    download,
    openInNewTab,
  });

  // Deferred scripts all run before DOMContentLoaded: the features' `gca:inicio` listeners are in place by then.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
