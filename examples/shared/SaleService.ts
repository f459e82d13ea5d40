/**
 * An HTTP service for tills, on Vipps MobilePay ePayment: `@effect/platform`'s `HttpApi` on
 * Node, the payment journal in SQLite with recovery at start-up, and the ePayment webhook
 * endpoint on the same server.
 *
 * - `POST /tills/:till/sales` `{ orderId, amount }` starts a sale (a dynamic QR for the till's
 *   customer-facing screen) and answers at once: its ids and the QR to show.
 * - `GET /sales/:orderId` reads it: the journal's entry and one read of the payment.
 * - `POST /sales/:orderId/cancel`: the till gives up (the customer walked away).
 * - `POST /sales/:orderId/refunds` `{ refundOrderId, amount }` gives (part of) it back.
 * - `POST /hooks/vipps`: the webhook the service registers for itself at start-up; the
 *   platform's events wake the sales, and each is logged.
 *
 * Sales outlive the request that started them: each runs in a scope of its own, forked from
 * the {@link Sales} layer's scope, and closed when the sale ends.
 *
 * **Graceful shutdown.** When the service is interrupted (SIGINT/SIGTERM under
 * `NodeRuntime.runMain`, or its layer's scope closing), a sale whose customer is still deciding
 * is **left to recovery**, not cancelled: its flow stops where it stands, its journal lease is
 * given up, and one line is logged per sale. A restarted service (or any till) that rings the
 * same order up again within `undecidedGrace` (2 minutes) takes the sale over where it stands,
 * so a customer who approved meanwhile is not asked twice; past it, recovery cancels it (or
 * carries out a decision recorded before the shutdown). Cancelling at shutdown instead would
 * lose every sale a rolling restart interrupts; the customer's app shows a payment that is
 * still there, which is true.
 */
import type { EPaymentClient } from "@effect-mobilepay/epayment"
import {
  Recovery as EPaymentRecovery,
  SaleFlow,
  WebhookReceiver,
  WebhooksClient,
} from "@effect-mobilepay/epayment"
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import type { PaymentJournal } from "@effect-mobilepay/pos"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpServer,
} from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import {
  Context,
  Effect,
  ExecutionStrategy,
  Exit,
  HashMap,
  Layer,
  Option,
  Ref,
  Schema,
  Scope,
  Stream,
  SynchronizedRef,
} from "effect"
import { createServer } from "node:http"

// ---------------------------------------------------------------------------------------
// The API

/** A sale as started: its ids and the QR the till's screen shows. */
export class Started extends Schema.Class<Started>("Started")({
  orderId: Schema.String,
  reference: Schema.String,
  /** The dynamic QR's target: the screen renders it as a QR code. */
  qr: Schema.NullOr(Schema.String),
}) {}

/** Where a sale stands: the journal's entry and, once the payment exists, one read of it. */
export class SaleView extends Schema.Class<SaleView>("SaleView")({
  orderId: Schema.String,
  reference: Schema.String,
  /** Whether the journal has its outcome. */
  finished: Schema.Boolean,
  /** `Open`, `Reserved`, `Ended`, or `NotCreated`. */
  stage: Schema.String,
  /** The platform's word: `CREATED`, `AUTHORIZED`, `CAPTURED`, `TERMINATED`, ... */
  status: Schema.String,
  /** Minor units captured, once captured. */
  captured: Schema.NullOr(Schema.Number),
}) {}

/** How a sale ended: `Captured` (minor units) or not, with the platform's word for why. */
export class Ended extends Schema.Class<Ended>("Ended")({
  orderId: Schema.String,
  reference: Schema.String,
  status: Schema.String,
  captured: Schema.NullOr(Schema.Number),
}) {}

export class Refunded extends Schema.Class<Refunded>("Refunded")({
  refundOrderId: Schema.String,
  reference: Schema.String,
  amount: Schema.Number,
}) {}

/** The journal has no sale of the order. */
export class SaleNotFound extends Schema.TaggedError<SaleNotFound>()(
  "SaleNotFound",
  { orderId: Schema.String },
  HttpApiSchema.annotations({ status: 404 }),
) {}

/** The sale is not held by this service (it ended, or another process started it). */
export class SaleNotHeld extends Schema.TaggedError<SaleNotHeld>()(
  "SaleNotHeld",
  { orderId: Schema.String },
  HttpApiSchema.annotations({ status: 409 }),
) {}

/**
 * A flow failed: `error` is its tag (`SaleInProgress`: the till has a live sale;
 * `OrderIdReused`, `InvalidInput`, `SaleUnresolved`: recovery will finish it, ...).
 */
export class SaleFailed extends Schema.TaggedError<SaleFailed>()(
  "SaleFailed",
  { orderId: Schema.String, error: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 422 }),
) {}

const OrderPath = Schema.Struct({ orderId: Schema.String })

/** The tills' API. */
export class Api extends HttpApi.make("tills").add(
  HttpApiGroup.make("sales")
    .add(
      HttpApiEndpoint.post("start", "/tills/:till/sales")
        .setPath(Schema.Struct({ till: Schema.String }))
        .setPayload(Schema.Struct({ orderId: Schema.String, amount: Schema.Int }))
        .addSuccess(Started, { status: 201 })
        .addError(SaleFailed),
    )
    .add(
      HttpApiEndpoint.get("lookup", "/sales/:orderId")
        .setPath(OrderPath)
        .addSuccess(SaleView)
        .addError(SaleNotFound)
        .addError(SaleFailed),
    )
    .add(
      HttpApiEndpoint.post("cancel", "/sales/:orderId/cancel")
        .setPath(OrderPath)
        .addSuccess(Ended)
        .addError(SaleNotHeld)
        .addError(SaleFailed),
    )
    .add(
      HttpApiEndpoint.post("refund", "/sales/:orderId/refunds")
        .setPath(OrderPath)
        .setPayload(Schema.Struct({ refundOrderId: Schema.String, amount: Schema.Int }))
        .addSuccess(Refunded)
        .addError(SaleNotFound)
        .addError(SaleFailed),
    ),
) {}

// ---------------------------------------------------------------------------------------
// The sales this service holds

const failed =
  (orderId: string) =>
  (error: { readonly _tag: string; readonly message: string }): SaleFailed =>
    new SaleFailed({ orderId, error: error._tag, message: error.message })

const ended = (outcome: SaleFlow.SaleOutcome): Ended =>
  new Ended({
    orderId: outcome.orderId,
    reference: outcome.reference,
    status: outcome._tag === "Captured" ? "CAPTURED" : outcome.status,
    captured: outcome._tag === "Captured" ? outcome.amount : null,
  })

export class Sales extends Context.Tag("examples/Sales")<
  Sales,
  {
    readonly start: (
      till: string,
      sale: { readonly orderId: string; readonly amount: number },
    ) => Effect.Effect<Started, SaleFailed>
    readonly lookup: (orderId: string) => Effect.Effect<SaleView, SaleNotFound | SaleFailed>
    readonly cancel: (orderId: string) => Effect.Effect<Ended, SaleNotHeld | SaleFailed>
    readonly refund: (
      orderId: string,
      refund: { readonly refundOrderId: string; readonly amount: number },
    ) => Effect.Effect<Refunded, SaleNotFound | SaleFailed>
  }
>() {}

const makeSales = (currency: "DKK" | "EUR" | "NOK") =>
  Effect.gen(function* () {
    // The layer's scope: every sale's own scope is forked from it, so shutting the service
    // down closes them all.
    const scope = yield* Effect.scope
    const context = yield* Effect.context<
      | EPaymentClient.EPaymentClient
      | PaymentJournal.PaymentJournal
      | WebhookReceiver.WebhookReceiver
    >()
    const held = yield* SynchronizedRef.make(HashMap.empty<string, SaleFlow.HeldSale>())

    const start = (till: string, request: { readonly orderId: string; readonly amount: number }) =>
      Effect.gen(function* () {
        const { orderId } = request
        const saleScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
        // Whether the sale is running: started, and not ended.
        const running = yield* Ref.make(false)
        // Runs last when the scope closes, after the flow stopped and gave up its lease.
        yield* Scope.addFinalizer(
          saleScope,
          Effect.whenEffect(
            Effect.logWarning(
              `shutting down: sale ${orderId} at ${till} left to recovery (journal lease released); ring it up again within 2 minutes to take it over, or recovery finishes it`,
            ),
            Ref.get(running),
          ),
        )
        const sale = yield* SaleFlow.start(
          {
            orderId,
            amount: { currency, value: request.amount },
            userFlow: "QR",
            qrFormat: { format: "TEXT/TARGETURL" },
            paymentDescription: `Order ${orderId}`,
          },
          { till },
        ).pipe(
          Scope.extend(saleScope),
          Effect.tapErrorCause(() => Scope.close(saleScope, Exit.void)),
        )
        yield* Ref.set(running, true)
        yield* SynchronizedRef.update(held, HashMap.set(orderId, sale))
        // The sale goes on after the answer: once it ends, its scope is closed and it is
        // forgotten (the journal keeps it).
        yield* sale.await.pipe(
          Effect.tap((outcome) =>
            Effect.logInfo(`sale ${orderId} at ${till} ended: ${ended(outcome).status}`),
          ),
          Effect.tapError((error) =>
            Effect.logWarning(`sale ${orderId} at ${till} failed: ${error._tag}`),
          ),
          Effect.either,
          Effect.zipRight(Ref.set(running, false)),
          Effect.ensuring(
            Effect.zipRight(
              SynchronizedRef.update(held, HashMap.remove(orderId)),
              Scope.close(saleScope, Exit.void),
            ),
          ),
          Effect.forkIn(scope),
        )
        return new Started({ orderId, reference: sale.reference, qr: sale.redirectUrl ?? null })
      }).pipe(Effect.mapError(failed(request.orderId)), Effect.provide(context))

    const lookup = (orderId: string) =>
      Effect.gen(function* () {
        const found = yield* SaleFlow.lookup(orderId).pipe(Effect.mapError(failed(orderId)))
        if (Option.isNone(found)) return yield* new SaleNotFound({ orderId })
        const { entry, reference, view } = found.value
        const outcome = Option.getOrUndefined(entry.outcome)
        const status = Option.match(view, {
          onSome: (view) => view.status,
          onNone: () => (outcome?._tag === "Final" ? outcome.status : "NOT_CREATED"),
        })
        return new SaleView({
          orderId,
          reference,
          finished: entry.isFinished,
          stage: Option.match(view, { onSome: (view) => view.stage, onNone: () => "NotCreated" }),
          status,
          captured:
            outcome?._tag === "Final" && outcome.status === "CAPTURED"
              ? (outcome.amount ?? null)
              : null,
        })
      }).pipe(Effect.provide(context))

    const cancel = (orderId: string) =>
      Effect.gen(function* () {
        const sale = HashMap.get(yield* SynchronizedRef.get(held), orderId)
        if (Option.isNone(sale)) return yield* new SaleNotHeld({ orderId })
        return ended(yield* Effect.mapError(sale.value.cancel, failed(orderId)))
      })

    const refund = (
      orderId: string,
      request: { readonly refundOrderId: string; readonly amount: number },
    ) =>
      Effect.gen(function* () {
        const found = yield* SaleFlow.lookup(orderId).pipe(Effect.mapError(failed(orderId)))
        if (Option.isNone(found)) return yield* new SaleNotFound({ orderId })
        const refunded = yield* SaleFlow.refund({
          orderId: request.refundOrderId,
          reference: found.value.reference,
          amount: { currency, value: request.amount },
        }).pipe(Effect.mapError(failed(request.refundOrderId)))
        return new Refunded({
          refundOrderId: refunded.orderId,
          reference: refunded.reference,
          amount: refunded.amount,
        })
      }).pipe(Effect.provide(context))

    return Sales.of({ start, lookup, cancel, refund })
  })

const SalesLive = HttpApiBuilder.group(Api, "sales", (handlers) =>
  Effect.map(Sales, (sales) =>
    handlers
      .handle("start", ({ path, payload }) => sales.start(path.till, payload))
      .handle("lookup", ({ path }) => sales.lookup(path.orderId))
      .handle("cancel", ({ path }) => sales.cancel(path.orderId))
      .handle("refund", ({ path, payload }) => sales.refund(path.orderId, payload)),
  ),
)

// ---------------------------------------------------------------------------------------
// The webhook endpoint: registered for the server's own URL, mounted beside the API

const webhookPath = "/hooks/vipps"

// Registers the webhook for the server's address (deleted again at shutdown) and builds the
// receiver that verifies its deliveries; every event is logged.
const Receiver = Layer.scoped(
  WebhookReceiver.WebhookReceiver,
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const webhooks = yield* WebhooksClient.WebhooksClient
    const url = yield* Effect.map(ServiceOptions, (options) =>
      options.webhookUrl(server.address._tag === "TcpAddress" ? server.address.port : 0),
    )
    const registration = yield* Effect.acquireRelease(
      webhooks.register({
        url,
        events: [
          "epayments.payment.authorized.v1",
          "epayments.payment.aborted.v1",
          "epayments.payment.expired.v1",
          "epayments.payment.terminated.v1",
          "epayments.payment.captured.v1",
          "epayments.payment.cancelled.v1",
          "epayments.payment.refunded.v1",
        ],
      }),
      // Given back at shutdown; one the platform keeps is deleted by hand (WebhooksClient.list).
      (made) =>
        webhooks
          .delete(made.id)
          .pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`webhook ${made.id} could not be deleted: ${error._tag}`),
            ),
          ),
    )
    yield* Effect.logInfo(`webhook ${registration.id} registered for ${url}`)
    const receiver = yield* WebhookReceiver.make({ url, secrets: registration.secret })
    yield* Effect.forkScoped(
      Stream.runForEach(receiver.events, (event) =>
        event._tag === "PaymentEvent"
          ? Effect.logInfo(`webhook: payment ${event.reference} ${event.name}`)
          : Effect.logInfo(`webhook: ${event._tag}`),
      ),
    )
    return receiver
  }),
)

const ReceiverRoute = HttpApiBuilder.Router.use((router) =>
  Effect.flatMap(WebhookReceiver.WebhookReceiver, (receiver) =>
    router.post(webhookPath, receiver.handler),
  ),
)

/** Where the service listens, where its journal is, and the public URL of its webhook. */
export class ServiceOptions extends Context.Tag("examples/ServiceOptions")<
  ServiceOptions,
  {
    readonly port: number
    readonly journalFile: string
    readonly currency: "DKK" | "EUR" | "NOK"
    /** The webhook URL to register, given the port the server got. */
    readonly webhookUrl: (port: number) => string
  }
>() {}

/**
 * The whole service: the HTTP server (API and webhook), the sales, the SQLite journal and
 * recovery at start-up (then every minute), over the ePayment and Webhooks clients in context.
 */
export const layer = Layer.unwrapEffect(
  Effect.map(ServiceOptions, (options) => {
    const Journal = SqlPaymentJournal.layer().pipe(
      Layer.provide(SqliteClient.layer({ filename: options.journalFile })),
    )
    const Server = NodeHttpServer.layer(() => createServer(), {
      port: options.port,
      host: "127.0.0.1",
    })
    const SalesLayer = Layer.scoped(Sales, makeSales(options.currency))
    return HttpApiBuilder.serve().pipe(
      Layer.provide(ReceiverRoute),
      Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(SalesLive))),
      Layer.provideMerge(SalesLayer),
      Layer.provideMerge(Receiver),
      // Recovery at start-up, before the first sale: this process is the file's only user.
      Layer.provideMerge(EPaymentRecovery.layer({ exclusive: true, interval: "1 minute" })),
      Layer.provideMerge(Journal),
      Layer.provideMerge(Server),
    )
  }),
)
