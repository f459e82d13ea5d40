// The sandbox's page: renders the view the sandbox pushes (server-sent events) and acts as the
// customer through the sandbox's own API routes (the V10 user simulation, the platform's
// simulated customer). It keeps no state of its own beyond the chosen test user: the sandbox
// is the one source of truth. No framework, no build step.
/* global document, window, fetch, EventSource, localStorage, CSS, URL */

const userSimulation = "/pos/app/usersimulation"
const customer = "/sandbox/v1/customer"

/** @type {any} */
let view = undefined
/** Payment requests the customer chose to ignore (they stay waiting in the sandbox). */
const ignored = new Set()

const $ = (id) => document.getElementById(id)

const escape = (value) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  )

/** An amount in major units with its currency: `125.50 DKK`. */
const money = (amount, currency) =>
  amount === null || amount === undefined
    ? "(no amount)"
    : `${Number(amount).toFixed(2)} ${currency ?? ""}`.trim()
/** An ePayment amount (minor units). */
const minor = (amount) => money(amount.value / 100, amount.currency)

const time = (iso) => (iso ? escape(iso.replace("T", " ").replace(/\.\d+Z$/, "Z")) : "")
const short = (id) => escape(String(id).slice(0, 8))

const v10Status = {
  Prepared: "Prepared (waiting for a customer to check in)",
  Initiated: "Initiated (waiting for a customer to check in)",
  Paired: "Paired with a customer (waiting for the amount)",
  IssuedToUser: "Waiting for the customer to accept",
  Reserved: "Reserved (accepted, not yet captured)",
  Captured: "Captured",
  CancelledByUser: "Cancelled by the customer",
  CancelledByClient: "Cancelled by the till",
  CancelledByMobilePay: "Cancelled by MobilePay",
  ExpiredAndCancelled: "Expired and cancelled (not captured in 7 days)",
}
const refundStatus = {
  Initiated: "Initiated",
  Reserved: "Reserved",
  Captured: "Captured",
  CancelledByClient: "Cancelled by the till",
  CancelledByMobilePay: "Cancelled by MobilePay",
  ExpiredAndCaptured: "Captured automatically after 24 hours",
}
const ePaymentState = {
  CREATED: "Created (waiting for the customer)",
  AUTHORIZED: "Authorized",
  ABORTED: "Aborted by the customer",
  EXPIRED: "Expired (the customer did not act in time)",
  TERMINATED: "Terminated (cancelled by the merchant)",
}

// ---- acting --------------------------------------------------------------------------------

const say = (text, failed = false) => {
  const status = $("status")
  status.textContent = text
  status.dataset.failed = String(failed)
}

/** Sends `body` as JSON; says what happened, with the sandbox's reason when refused. */
const send = async (method, path, body, done) => {
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) {
      let reason = text
      try {
        const problem = JSON.parse(text)
        reason = problem.detail ?? problem.message ?? problem.title ?? text
      } catch {
        // not JSON: the text is the reason
      }
      say(`${done}: refused (${response.status}) ${reason}`.trim(), true)
      return false
    }
    say(done)
    return true
  } catch (error) {
    say(`${done}: failed (${error})`, true)
    return false
  }
}

const selectedUser = () => {
  const [platform, phoneNumber] = ($("user").value || ":").split(":")
  return { platform, phoneNumber }
}

const actions = {
  "v10-checkin": (el) =>
    send(
      "POST",
      `${userSimulation}/checkin`,
      { beaconId: el.dataset.beacon, phoneNumber: selectedUser().phoneNumber },
      `Checked in on ${el.dataset.name}`,
    ),
  "v10-accept": (el) =>
    send(
      "POST",
      `${userSimulation}/acceptpayment`,
      { beaconId: el.dataset.beacon, phoneNumber: selectedUser().phoneNumber },
      "Payment accepted",
    ),
  "v10-reject": (el) =>
    send(
      "POST",
      `${userSimulation}/cancelpaymentbyuser`,
      { beaconId: el.dataset.beacon },
      "Payment rejected",
    ),
  "ep-approve": (el) =>
    send(
      "POST",
      `${customer}/approve`,
      {
        phoneNumber: selectedUser().phoneNumber,
        msn: el.dataset.msn,
        reference: el.dataset.reference,
      },
      `Payment ${el.dataset.reference} approved`,
    ),
  "ep-reject": (el) =>
    send(
      "POST",
      `${customer}/reject`,
      {
        phoneNumber: selectedUser().phoneNumber,
        msn: el.dataset.msn,
        reference: el.dataset.reference,
      },
      `Payment ${el.dataset.reference} rejected`,
    ),
  "ep-scan": (el) =>
    send(
      "POST",
      `${customer}/scan`,
      {
        phoneNumber: selectedUser().phoneNumber,
        qr: new URL(el.dataset.qr, window.location.href).href,
      },
      `Scanned ${el.dataset.name}`,
    ),
  ignore: (el) => {
    ignored.add(el.dataset.request)
    say("Ignored: the request stays waiting until it is answered or expires")
    render()
  },
  "fault-remove": (el) => {
    const rules = view.faults.map((f) => f.rule).filter((_, i) => i !== Number(el.dataset.index))
    return send("PUT", "/sandbox/v1/faults", { rules }, "Fault rule removed")
  },
}

// ---- rendering -----------------------------------------------------------------------------

/** Replaces a container's HTML only when it changed, keeping the keyboard focus where it was. */
const put = (id, html) => {
  const container = $(id)
  if (container.dataset.html === html) return
  const focused = document.activeElement?.dataset?.key
  const open = [...container.querySelectorAll("details[open]")].map((d) => d.dataset.key)
  container.innerHTML = html
  container.dataset.html = html
  for (const key of open) {
    container.querySelector(`details[data-key="${CSS.escape(key)}"]`)?.setAttribute("open", "")
  }
  if (focused !== undefined) {
    const again = container.querySelector(`[data-key="${CSS.escape(focused)}"]`)
    if (again instanceof window.HTMLElement) again.focus()
  }
}

const button = (action, label, data, key) =>
  `<button type="button" data-action="${action}" data-key="${escape(key)}" ${Object.entries(data)
    .map(([name, value]) => `data-${name}="${escape(value)}"`)
    .join(" ")}>${escape(label)}</button>`

const table = (caption, heads, rows, empty) =>
  rows.length === 0
    ? `<h4>${escape(caption)}</h4><p class="empty">${escape(empty)}</p>`
    : `<table><caption>${escape(caption)}</caption><thead><tr>${heads
        .map((h) => `<th scope="col">${escape(h)}</th>`)
        .join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`

const renderUsers = () => {
  const select = $("user")
  if (select.options.length > 0 || view === undefined) return
  const v10 = view.v10.users
    .map(
      (u) =>
        `<option value="v10:${escape(u.phoneNumber)}">${escape(u.phoneNumber)} (${escape(u.country)}, ${escape(
          u.card,
        )} card${u.loyalty ? ", loyalty" : ""})</option>`,
    )
    .join("")
  const platform = view.platform.users
    .map(
      (u) =>
        `<option value="ep:${escape(u.phoneNumber)}">${escape(u.name)}, ${escape(u.phoneNumber)} (${escape(
          u.market,
        )})</option>`,
    )
    .join("")
  select.innerHTML =
    `<optgroup label="ePayment (Vipps MobilePay) test users">${platform}</optgroup>` +
    `<optgroup label="PoS V10 test users">${v10}</optgroup>`
  const saved = localStorage.getItem("mobilepay-sandbox-user")
  if (saved !== null && [...select.options].some((o) => o.value === saved)) select.value = saved
}

const merchantName = (vat) => view.v10.merchants.find((m) => m.vat === vat)?.name ?? vat
const unitName = (msn) => view.platform.salesUnits.find((u) => u.msn === msn)?.name ?? msn
const posById = (posId) => view.v10.pointsOfSale.find((p) => p.posId === posId)

const renderV10Phone = (phoneNumber) => {
  const waiting = view.v10.payments.filter(
    (p) =>
      p.user === phoneNumber &&
      (p.status === "IssuedToUser" || p.status === "Paired") &&
      !ignored.has(p.paymentId),
  )
  const requests = waiting.map((p) => {
    const pos = posById(p.posId)
    const data = { beacon: pos?.beaconId ?? "", request: p.paymentId }
    return `<li class="request" data-payment-id="${escape(p.paymentId)}">
      <p class="amount">${escape(money(p.amount, p.currencyCode))}</p>
      <p>${escape(merchantName(p.merchantVat))}, till ${escape(pos?.name ?? p.posId)}</p>
      <p class="state">${escape(v10Status[p.status] ?? p.status)}</p>
      <div class="buttons">
        ${p.status === "IssuedToUser" ? button("v10-accept", "Approve", data, `accept-${p.paymentId}`) : ""}
        ${button("v10-reject", "Reject", data, `reject-${p.paymentId}`)}
        ${button("ignore", "Ignore", data, `ignore-${p.paymentId}`)}
      </div>
    </li>`
  })
  const tills = view.v10.pointsOfSale
    .filter((p) => !p.deleted)
    .map(
      (p) => `<li class="till" data-beacon="${escape(p.beaconId)}">
      <img src="/sandbox/v1/beacon-qr/${encodeURIComponent(p.beaconId)}.svg" alt="QR sticker of ${escape(p.name)}: ${escape(
        p.beaconId,
      )}" width="96" height="96" />
      <div><p><strong>${escape(p.name)}</strong> (${escape(merchantName(p.merchantVat))})</p>
      <p class="small">beacon ${escape(p.beaconId)} · ${escape(p.supportedBeaconTypes.join(", "))}${
        p.checkedIn ? ` · checked in: ${escape(p.checkedIn)}` : ""
      }</p>
      ${button("v10-checkin", "Scan (check in)", { beacon: p.beaconId, name: p.name }, `checkin-${p.posId}`)}</div>
    </li>`,
    )
  return `<h3>Payment requests</h3>${
    requests.length === 0
      ? `<p class="empty">None waiting for ${escape(phoneNumber)}.</p>`
      : `<ul class="requests">${requests.join("")}</ul>`
  }<h3>Tills nearby (PoS V10)</h3>${
    tills.length === 0
      ? `<p class="empty">No points of sale yet: a till creates one.</p>`
      : `<ul class="tills">${tills.join("")}</ul>`
  }`
}

const renderEPaymentPhone = (phoneNumber) => {
  const user = view.platform.users.find((u) => u.phoneNumber === phoneNumber)
  const waiting = view.platform.payments.filter(
    (p) =>
      p.user === phoneNumber && p.state === "CREATED" && !ignored.has(`${p.msn}|${p.reference}`),
  )
  const requests = waiting.map((p) => {
    const data = { msn: p.msn, reference: p.reference, request: `${p.msn}|${p.reference}` }
    return `<li class="request" data-reference="${escape(p.reference)}">
      <p class="amount">${escape(minor(p.amount))}</p>
      <p>${escape(unitName(p.msn))}${p.paymentDescription ? `: ${escape(p.paymentDescription)}` : ""}</p>
      <p class="small">reference ${escape(p.reference)} · expires ${time(p.expiresAt)}</p>
      <div class="buttons">
        ${button("ep-approve", "Approve", data, `approve-${p.reference}`)}
        ${button("ep-reject", "Reject", data, `reject-${p.reference}`)}
        ${button("ignore", "Ignore", data, `ignore-${p.reference}`)}
      </div>
    </li>`
  })
  const stickers = view.platform.callbackQrs.map(
    (q) => `<li class="till" data-merchant-qr-id="${escape(q.merchantQrId)}">
      <img src="${escape(q.image)}" alt="Callback QR ${escape(q.locationDescription)}: ${escape(q.content)}" width="96" height="96" />
      <div><p><strong>${escape(q.locationDescription)}</strong> (${escape(unitName(q.msn))})</p>
      <p class="small">${q.beacon ? "migrated V10 beacon" : "callback QR"} ${escape(q.merchantQrId)}</p>
      ${button("ep-scan", "Scan (check in)", { qr: q.content, name: q.locationDescription }, `scan-${q.msn}-${q.merchantQrId}`)}</div>
    </li>`,
  )
  const dynamic = view.platform.payments
    .filter(
      (p) => p.state === "CREATED" && p.qr !== null && (p.user === null || p.user === phoneNumber),
    )
    .map(
      (p) => `<li class="till" data-qr-reference="${escape(p.reference)}">
      <img src="${escape(p.qr.image)}" alt="Payment QR of ${escape(p.reference)}" width="96" height="96" />
      <div><p><strong>${escape(minor(p.amount))}</strong> at ${escape(unitName(p.msn))}</p>
      <p class="small">dynamic QR of ${escape(p.reference)}</p>
      ${button("ep-scan", "Scan", { qr: p.qr.content, name: `the QR of ${p.reference}` }, `scanqr-${p.reference}`)}</div>
    </li>`,
    )
  const personal = user
    ? `<h3>My personal QR</h3><div class="personal"><img src="/sandbox/v1/personal-qr/${encodeURIComponent(
        user.phoneNumber,
      )}.svg" alt="Personal QR of ${escape(user.name)}" width="128" height="128" /><p><code id="personal-qr">${escape(
        user.personalQr,
      )}</code><br /><span class="small">A till scans this and sends the payment request here.</span></p></div>`
    : ""
  return `<h3>Payment requests</h3>${
    requests.length === 0
      ? `<p class="empty">None waiting for ${escape(phoneNumber)}.</p>`
      : `<ul class="requests">${requests.join("")}</ul>`
  }<h3>Stickers and QR codes nearby (ePayment)</h3>${
    stickers.length + dynamic.length === 0
      ? `<p class="empty">No callback QRs and no payment QRs yet.</p>`
      : `<ul class="tills">${stickers.join("")}${dynamic.join("")}</ul>`
  }${personal}`
}

const renderPhone = () => {
  const { platform, phoneNumber } = selectedUser()
  put(
    "phone-screen",
    platform === "v10"
      ? renderV10Phone(phoneNumber)
      : platform === "ep"
        ? renderEPaymentPhone(phoneNumber)
        : "",
  )
}

const renderMerchant = () => {
  const v10 = view.v10
  const platform = view.platform
  const stores = v10.merchants.flatMap((m) =>
    m.stores.map(
      (s) =>
        `<tr><td>${escape(m.name)} <span class="small">${escape(m.vat)}</span></td><td>${escape(s.name)}</td><td>${escape(
          s.city,
        )}</td><td>${s.activated ? "activated" : "not activated"}</td></tr>`,
    ),
  )
  const tills = v10.pointsOfSale.map(
    (p) =>
      `<tr><td>${escape(p.name)}</td><td>${escape(merchantName(p.merchantVat))}</td><td><code>${escape(p.beaconId)}</code></td><td>${
        p.deleted ? "deleted" : p.checkedIn ? `customer ${escape(p.checkedIn)} checked in` : "open"
      }</td></tr>`,
  )
  const payments = [...v10.payments]
    .reverse()
    .map(
      (p) =>
        `<tr data-payment-id="${escape(p.paymentId)}" data-status="${escape(p.status)}"><td><code title="${escape(
          p.paymentId,
        )}">${short(p.paymentId)}</code></td><td>${escape(posById(p.posId)?.name ?? p.posId)}</td><td>${escape(
          p.orderId,
        )}</td><td class="num">${escape(money(p.amount, p.currencyCode))}</td><td class="state">${escape(
          v10Status[p.status] ?? p.status,
        )}</td><td class="num">${
          p.capturedAmount === null ? "" : escape(money(p.capturedAmount, p.currencyCode))
        }</td><td>${escape(p.user ?? "")}</td></tr>`,
    )
  const refunds = [...v10.refunds]
    .reverse()
    .map(
      (r) =>
        `<tr data-refund-id="${escape(r.refundId)}"><td><code>${short(r.refundId)}</code></td><td><code>${short(
          r.paymentId,
        )}</code></td><td class="num">${escape(money(r.amount, r.currencyCode))}</td><td class="state">${escape(
          refundStatus[r.status] ?? r.status,
        )}</td></tr>`,
    )
  const ePayments = [...platform.payments].reverse().map((p) => {
    const a = p.aggregate
    return `<tr data-reference="${escape(p.reference)}" data-state="${escape(p.state)}" data-captured="${escape(
      a.capturedAmount.value,
    )}"><td><code>${escape(p.reference)}</code></td><td>${escape(unitName(p.msn))}</td><td class="num">${escape(
      minor(p.amount),
    )}</td><td class="state">${escape(ePaymentState[p.state] ?? p.state)}</td><td class="aggregate">authorized ${escape(
      minor(a.authorizedAmount),
    )} · captured ${escape(minor(a.capturedAmount))} · cancelled ${escape(minor(a.cancelledAmount))} · refunded ${escape(
      minor(a.refundedAmount),
    )}</td><td>${escape(p.userFlow)}</td><td>${escape(p.user ?? "")}</td></tr>`
  })
  const units = platform.salesUnits.map(
    (u) =>
      `<tr><td><code>${escape(u.msn)}</code></td><td>${escape(u.name)}</td><td>${escape(u.market)}</td><td>${escape(
        u.currency,
      )}</td></tr>`,
  )
  const stickers = platform.callbackQrs.map(
    (q) =>
      `<tr><td><code>${escape(q.merchantQrId)}</code></td><td>${escape(unitName(q.msn))}</td><td>${escape(
        q.locationDescription,
      )}</td><td>${q.beacon ? "migrated beacon" : escape(q.category)}</td></tr>`,
  )
  const checkIns = platform.checkIns.map(
    (c) =>
      `<tr><td>${escape(c.phoneNumber)}</td><td>${escape(unitName(c.msn))}</td><td><code>${escape(
        c.merchantQrId,
      )}</code></td><td>${time(c.expiresAt)}</td></tr>`,
  )
  const hooks = platform.webhooks.map(
    (w) =>
      `<tr><td><code>${short(w.id)}</code></td><td>${escape(unitName(w.msn))}</td><td>${escape(w.url)}</td><td>${escape(
        w.events.join(", "),
      )}</td></tr>`,
  )
  const attempts = view.deliveries.attempts.map(
    (a) =>
      `<tr data-event="${escape(a.eventType)}" data-outcome="${escape(a.outcome)}"><td>${time(a.at)}</td><td>${escape(
        a.eventType,
      )}</td><td>${escape(a.url)}</td><td class="num">${escape(a.attempt)}</td><td>${
        a.status === null ? "no answer" : escape(a.status)
      }</td><td class="outcome-${escape(a.outcome)}">${escape(a.outcome)}</td><td><code class="signature" title="${escape(
        a.signature ?? "",
      )}">${escape((a.signature ?? "").replace(/^.*Signature=/, "").slice(0, 16))}</code></td></tr>`,
  )
  const requests = view.requests.map(
    (r, i) =>
      `<tr class="${r.fault ? "faulted" : ""}" data-path="${escape(r.path)}"><td>${time(r.receivedAt)}</td><td>${escape(
        r.method,
      )}</td><td><details data-key="${escape(`${r.receivedAt}-${view.requests.length - i}`)}"><summary>${escape(
        r.path,
      )}</summary><pre>${escape(
        Object.entries(r.headers)
          .map(([n, v]) => `${n}: ${v}`)
          .join("\n"),
      )}${r.body ? `\n\n${escape(r.body)}` : ""}</pre></details></td><td>${
        r.fault ? `<strong class="fault">fault: ${escape(r.fault)}</strong>` : ""
      }</td></tr>`,
  )
  put(
    "merchant-views",
    `<section aria-labelledby="v10-title"><h3 id="v10-title">PoS V10</h3>
      ${table("Payments", ["Payment", "Till", "Order", "Amount", "State", "Captured", "Customer"], payments, "No payments yet.")}
      ${table("Refunds", ["Refund", "Payment", "Amount", "State"], refunds, "No refunds yet.")}
      ${table("Points of sale (tills)", ["Name", "Merchant", "Beacon", "Now"], tills, "No points of sale yet.")}
      ${table("Merchants and stores", ["Merchant", "Store", "City", "State"], stores, "No merchants.")}
    </section>
    <section aria-labelledby="ep-title"><h3 id="ep-title">ePayment (Vipps MobilePay)</h3>
      ${table("Payments", ["Reference", "Sales unit", "Amount", "State", "Aggregate", "Flow", "Customer"], ePayments, "No payments yet.")}
      ${table("Callback QRs", ["QR id", "Sales unit", "Where", "Kind"], stickers, "No callback QRs yet.")}
      ${table("Sales units", ["MSN", "Name", "Market", "Currency"], units, "No sales units.")}
      ${table("Check-ins", ["Customer", "Sales unit", "Where (QR id)", "Valid until"], checkIns, "No check-ins.")}
      ${table("Webhook registrations", ["Id", "Sales unit", "URL", "Events"], hooks, "No webhooks registered.")}
      ${table(
        `Webhook deliveries (${view.deliveries.pending} waiting)`,
        ["At", "Event", "Target", "Attempt", "Answer", "Outcome", "Signature"],
        attempts,
        "No deliveries yet.",
      )}
    </section>
    <section aria-labelledby="log-title"><h3 id="log-title">Request log (newest first)</h3>
      ${table("Requests", ["At", "Method", "Path", "Fault"], requests, "No requests yet.")}
    </section>`,
  )
  put(
    "faults",
    view.faults.length === 0
      ? `<p class="empty">No fault rules: every request is answered normally.</p>`
      : `<ul>${view.faults
          .map(
            (f, i) =>
              `<li><code>${escape(f.rule)}</code> fired ${escape(f.fired)} time${f.fired === 1 ? "" : "s"}${
                f.exhausted ? " (used up)" : ""
              } ${button("fault-remove", "Remove", { index: i }, `fault-remove-${i}-${f.rule}`)}</li>`,
          )
          .join("")}</ul>`,
  )
}

const render = () => {
  if (view === undefined) return
  $("seed").textContent = view.seed
  $("now").textContent = view.now.replace("T", " ").replace(/\.\d+Z$/, "Z")
  $("now").dateTime = view.now
  $("offset").textContent =
    view.clockOffsetMillis === 0
      ? ""
      : `(moved forward ${Math.round(view.clockOffsetMillis / 1000)} s)`
  renderUsers()
  renderPhone()
  renderMerchant()
}

// ---- wiring --------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const target = event.target instanceof window.Element ? event.target.closest("button") : null
  if (target === null) return
  const action = target.dataset.action
  if (action !== undefined && actions[action] !== undefined) actions[action](target)
  const seconds = target.dataset.advance
  if (seconds !== undefined) {
    void send(
      "POST",
      "/sandbox/v1/clock/advance",
      { seconds: Number(seconds) },
      `Clock moved forward ${target.textContent}`,
    )
  }
})

$("user").addEventListener("change", () => {
  localStorage.setItem("mobilepay-sandbox-user", $("user").value)
  say(`You are ${$("user").selectedOptions[0]?.textContent ?? ""}`)
  renderPhone()
})

$("fault-form").addEventListener("submit", (event) => {
  event.preventDefault()
  const input = $("fault-rule")
  const rule = input.value.trim()
  if (rule === "") return
  void send("POST", "/sandbox/v1/faults", { rule }, `Fault rule added: ${rule}`).then((ok) => {
    if (ok) input.value = ""
  })
})

$("faults-clear").addEventListener("click", () => {
  void send("DELETE", "/sandbox/v1/faults", undefined, "Fault rules cleared")
})

const connect = () => {
  const events = new EventSource("/sandbox/v1/view/events")
  events.onopen = () => {
    $("connection").textContent = "live"
    $("connection").dataset.connected = "true"
  }
  events.onmessage = (message) => {
    view = JSON.parse(message.data)
    render()
    document.body.dataset.ready = "true"
  }
  // EventSource reconnects by itself; say so meanwhile.
  events.onerror = () => {
    $("connection").textContent = "reconnecting…"
    $("connection").dataset.connected = "false"
  }
}

connect()
