/// The OpenAPI 3.1 document of the admin API, served as `GET /api/v1/openapi.yaml`.
///
/// Kept as Swift source rather than a `.yaml` resource: SwiftPM resources need
/// `Bundle.module`, which the test and fuzz harnesses and the static Linux build find in
/// different places, while a string constant is compiled into the binary and cannot go
/// missing. `OpenAPIDocumentTests` keeps it true in both directions: every documented
/// operation answers through the real router, and every `api.get/post/put/patch/delete`
/// in the handler files is documented; `make api-fuzz` runs schemathesis against it.
///
/// The schemas follow the encoders exactly: keys as the `CodingKeys` of the structs in
/// `Store` spell them, optional properties left out when nil (Swift's synthesized
/// `Encodable` never writes `null`), times as ISO 8601 strings, and every error as
/// `{"error": {"status", "code", "message"}}` (`APIProblem`).
public enum OpenAPIDocument {
    /// The document as YAML.
    public static let yaml = #"""
openapi: 3.1.0
info:
  title: udtraek admin API
  version: "1"
  summary: Operators' and schedulers' HTTP API of `udtraek serve`.
  description: |
    The admin API of `udtraek serve` (plain HTTP on loopback). Everything under `/api/`
    but this document needs `Authorization: Bearer TOKEN`: an operator token of the
    configuration's `api:` section, or a personal token (`udt_...`) of a user of the
    administration module; without a valid one the answer is 401 and nothing is read or
    run. `/healthz`, `/metrics` and this document need no token.

    The operators' routes (runs, extracts, changes, gateway, transfers) answer 403 to a
    token without the `operator` role. The administration module's routes decide each
    act on the caller's roles and organisation: an object outside the caller's scope is
    answered 404 exactly as one that does not exist, an act the roles do not allow 403.

    Every error is `{"error": {"status": 404, "code": "unknown-extract", "message": "..."}}`
    whose message says what was wrong and what to do; `code` is stable, `message` is for
    people. Times are ISO 8601 (`2026-11-23T05:15:00Z`). Properties without a value are
    left out, never `null`.
servers:
  - url: /
security:
  - bearerAuth: []
tags:
  - name: service
    description: Liveness, metrics and this document.
  - name: runs
    description: Extract runs and their history.
  - name: changes
    description: Technical change orders.
  - name: gateway
    description: The lookup gateway's call audit and service targets.
  - name: transfers
    description: Files routed between systems.
  - name: administration
    description: Organisations, users and their personal tokens, IT systems.
  - name: agreements
    description: Service agreements and their lifecycle, usage.

paths:
  /healthz:
    get:
      operationId: getHealth
      tags: [service]
      summary: Liveness.
      security: []
      responses:
        "200":
          description: The process is up.
          content:
            text/plain:
              schema:
                type: string
                const: "ok\n"

  /metrics:
    get:
      operationId: getMetrics
      tags: [service]
      summary: Prometheus metrics (text format 0.0.4); counts and durations, never data.
      security: []
      responses:
        "200":
          description: The metrics.
          content:
            text/plain:
              schema:
                type: string

  /api/v1/openapi.yaml:
    get:
      operationId: getOpenAPIDocument
      tags: [service]
      summary: This document.
      security: []
      responses:
        "200":
          description: The OpenAPI 3.1 document of the admin API.
          content:
            application/yaml:
              schema:
                type: string

  /api/v1/extracts:
    get:
      operationId: listExtracts
      tags: [runs]
      summary: The extract definitions with their schedules.
      responses:
        "200":
          description: Every extract definition.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [extracts]
                properties:
                  extracts:
                    type: array
                    items:
                      type: object
                      additionalProperties: false
                      required: [definition]
                      properties:
                        definition:
                          $ref: "#/components/schemas/ExtractDefinition"
                        schedule:
                          $ref: "#/components/schemas/ExtractSchedule"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"

  /api/v1/extracts/{name}/runs:
    post:
      operationId: requestRun
      tags: [runs]
      summary: Ask for a run of an extract.
      description: |
        202 with the run: queued, or the run in flight for that date, which the request
        joins. 200 with the run that already produced that date's file
        (`"request": "already-produced"`) unless `"rerun": true` asks to produce it again,
        and 200 when the same `Idempotency-Key` comes again with the same request. The same
        key with another request is 422. The body is optional.
      parameters:
        - $ref: "#/components/parameters/ExtractName"
        - name: Idempotency-Key
          in: header
          required: false
          description: 1-255 printable ASCII characters without spaces (a UUID is a good choice).
          schema:
            type: string
            pattern: "^[!-~]{1,255}$"
      requestBody:
        required: false
        content:
          application/json:
            example: {"date": "2026-11-23"}
            schema:
              type: object
              properties:
                date:
                  description: The production date, YYYY-MM-DD (default today, Copenhagen time).
                  type: string
                  format: date
                  example: "2026-11-23"
                rerun:
                  description: Produce the file again although it was produced.
                  type: boolean
      responses:
        "200":
          description: Replayed (the same Idempotency-Key and request), or the date's file was already produced.
          headers:
            Location:
              $ref: "#/components/headers/RunLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/RunRequestAnswer"
        "202":
          description: Queued, or joined the run in flight for the same date.
          headers:
            Location:
              $ref: "#/components/headers/RunLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/RunRequestAnswer"
        "400":
          description: "`invalid-idempotency-key`, `invalid-body` or `invalid-date`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-extract`: there is no extract of that name."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "422":
          description: "`idempotency-key-reused`: the key was used for another request."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/runs:
    get:
      operationId: listRuns
      tags: [runs]
      summary: Run history, newest first.
      parameters:
        - name: extract
          in: query
          required: false
          description: Only this extract's runs.
          schema:
            type: string
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 1000
            default: 50
      responses:
        "200":
          description: The runs.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [runs]
                properties:
                  runs:
                    type: array
                    items:
                      $ref: "#/components/schemas/ExtractRun"
        "400":
          description: "`invalid-limit`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-extract`: there is no extract of that name."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/runs/{id}:
    get:
      operationId: getRun
      tags: [runs]
      summary: One run.
      parameters:
        - $ref: "#/components/parameters/RunID"
      responses:
        "200":
          description: The run.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ExtractRun"
        "400":
          description: "`invalid-run-id`: the id is not a whole number."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-run`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/runs/{id}/cancel:
    post:
      operationId: cancelRun
      tags: [runs]
      summary: Take a queued run out of the queue before it starts (audited).
      parameters:
        - $ref: "#/components/parameters/RunID"
      responses:
        "200":
          description: The cancelled run.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ExtractRun"
        "400":
          description: "`invalid-run-id`: the id is not a whole number."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-run`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "409":
          description: "`not-queued`: only a queued run can be cancelled."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/changes:
    get:
      operationId: listChanges
      tags: [changes]
      summary: Change orders, newest first.
      parameters:
        - name: system
          in: query
          required: false
          schema:
            type: string
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 1000
            default: 100
      responses:
        "200":
          description: The orders.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [changes]
                properties:
                  changes:
                    type: array
                    items:
                      $ref: "#/components/schemas/ChangeOrder"
        "400":
          description: "`invalid-limit`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
    post:
      operationId: submitChange
      tags: [changes]
      summary: Submit a technical change order.
      description: |
        201 with the order and its receipts when accepted, 422 with the same body when
        rejected (every reason is in the `rejected` receipt); `Location` either way. The
        operator token's name is who submitted it (`api:NAME`).
      requestBody:
        required: true
        content:
          application/json:
            example: {"system": "sag-kbh", "kind": "monitoring", "order_id": "B-123", "collect_within": "4h", "reason": "the receiver collects within four hours"}
            schema:
              $ref: "#/components/schemas/ChangeSubmission"
      responses:
        "201":
          description: Accepted.
          headers:
            Location:
              $ref: "#/components/headers/ChangeLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeView"
        "400":
          description: "`invalid-body`, `invalid-kind` or `invalid-time`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "422":
          description: Rejected; the `rejected` receipt lists every reason.
          headers:
            Location:
              $ref: "#/components/headers/ChangeLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeView"

  /api/v1/changes/{id}:
    get:
      operationId: getChange
      tags: [changes]
      summary: One order with every receipt.
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: integer
            format: int64
          example: 1
      responses:
        "200":
          description: The order.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeView"
        "400":
          description: "`invalid-change-id`: the id is not a whole number."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-change`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/gateway/calls:
    get:
      operationId: listGatewayCalls
      tags: [gateway]
      summary: The lookup gateway's call audit, newest first (never person data).
      parameters:
        - name: system
          in: query
          required: false
          schema:
            type: string
        - name: outcome
          in: query
          required: false
          schema:
            $ref: "#/components/schemas/GatewayOutcome"
        - name: breaches
          in: query
          required: false
          description: Only calls that missed their service target.
          schema:
            type: boolean
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 10000
            default: 100
      responses:
        "200":
          description: The calls.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [calls]
                properties:
                  calls:
                    type: array
                    items:
                      $ref: "#/components/schemas/GatewayCall"
        "400":
          description: "`invalid-limit`, `invalid-outcome` or `invalid-breaches`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"

  /api/v1/gateway/targets:
    get:
      operationId: getGatewayTargets
      tags: [gateway]
      summary: Each gateway operation held against its service target over the last hours.
      parameters:
        - name: hours
          in: query
          required: false
          schema:
            type: number
            exclusiveMinimum: 0
            maximum: 8784
            default: 24
      responses:
        "200":
          description: The report.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [hours, operations]
                properties:
                  hours:
                    type: number
                  operations:
                    type: array
                    items:
                      $ref: "#/components/schemas/OperationTargetReport"
        "400":
          description: "`invalid-hours`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"

  /api/v1/transfers:
    get:
      operationId: listTransfers
      tags: [transfers]
      summary: Files routed between systems, newest first.
      parameters:
        - name: sender
          in: query
          required: false
          schema:
            type: string
        - name: recipient
          in: query
          required: false
          schema:
            type: string
        - name: state
          in: query
          required: false
          schema:
            $ref: "#/components/schemas/TransferState"
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 1000
            default: 100
      responses:
        "200":
          description: The transfers (without their history).
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [transfers]
                properties:
                  transfers:
                    type: array
                    items:
                      $ref: "#/components/schemas/TransferView"
        "400":
          description: "`invalid-limit` or `invalid-state`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"

  /api/v1/transfers/{id}:
    get:
      operationId: getTransfer
      tags: [transfers]
      summary: One routed file with its recipients and its whole history.
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: integer
            format: int64
          example: 1
      responses:
        "200":
          description: The transfer (with `history`).
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/TransferView"
        "400":
          description: "`invalid-transfer-id`: the id is not a whole number."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          description: "`unknown-transfer`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

  /api/v1/me:
    get:
      operationId: getMe
      tags: [administration]
      summary: Who the token stands for.
      responses:
        "200":
          description: The caller; an operator token of the configuration has no user and the platform's organisation.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [actor, organisation, roles]
                properties:
                  actor:
                    description: As the audit log names the caller (`api:NAME`, `user:12 (Karen Holm, kommune:0101)`).
                    type: string
                  user:
                    description: The user's id; left out for an operator token of the configuration.
                    type: integer
                    format: int64
                  organisation:
                    $ref: "#/components/schemas/Organisation"
                  roles:
                    type: array
                    items:
                      $ref: "#/components/schemas/Role"
        "401":
          $ref: "#/components/responses/Unauthorized"

  /api/v1/organisations:
    get:
      operationId: listOrganisations
      tags: [administration]
      summary: The organisations the caller sees.
      responses:
        "200":
          description: The organisations.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [organisations]
                properties:
                  organisations:
                    type: array
                    items:
                      $ref: "#/components/schemas/Organisation"
        "401":
          $ref: "#/components/responses/Unauthorized"
    post:
      operationId: createOrganisation
      tags: [administration]
      summary: Add a supplier (by CVR number) or a municipality (by its code); operators only.
      requestBody:
        required: true
        content:
          application/json:
            example: {"kind": "supplier", "cvr": "12345678", "name": "Systemhuset A/S", "notice_address": "drift@systemhuset.dk"}
            schema:
              type: object
              required: [kind]
              properties:
                kind:
                  description: "`supplier` or `municipality` (`platform` exists already and is refused)."
                  $ref: "#/components/schemas/OrganisationKind"
                name:
                  description: Required for a supplier; a municipality's defaults to the configuration's name.
                  type: string
                cvr:
                  description: A supplier's eight-digit CVR number.
                  type: string
                  example: "12345678"
                municipality:
                  description: A municipality's four-digit code, one of the configuration's municipalities.
                  type: string
                  example: "0101"
                notice_address:
                  description: An email address for notices.
                  type: string
      responses:
        "201":
          description: Created.
          headers:
            Location:
              description: "`/api/v1/organisations/ID`."
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Organisation"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/organisations/{id}:
    parameters:
      - name: id
        in: path
        required: true
        description: "`cvr:NNNNNNNN`, `kommune:NNNN` or `platform`."
        schema:
          type: string
        example: "kommune:0101"
    get:
      operationId: getOrganisation
      tags: [administration]
      summary: One organisation.
      responses:
        "200":
          description: The organisation.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Organisation"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
    patch:
      operationId: changeOrganisation
      tags: [administration]
      summary: Change an organisation's name, notice address or (a municipality's) usage ceilings; its administrators and operators.
      requestBody:
        required: true
        content:
          application/json:
            example: {"notice_address": "it@kommune.dk", "ceiling_lookups": 100000}
            schema:
              type: object
              properties:
                name:
                  type: string
                notice_address:
                  type: string
                ceiling_lookups:
                  description: Monthly lookups; 0 removes the ceiling.
                  type: integer
                ceiling_bytes:
                  description: Monthly bytes of extract files; 0 removes the ceiling.
                  type: integer
                  format: int64
      responses:
        "200":
          description: The organisation as changed.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Organisation"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/notices:
    get:
      operationId: listNotices
      tags: [administration]
      summary: The notice outbox of the caller's organisation (every organisation's, for operators), newest first.
      parameters:
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: 1000
            default: 100
      responses:
        "200":
          description: The notices.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [notices]
                properties:
                  notices:
                    type: array
                    items:
                      $ref: "#/components/schemas/Notice"
        "400":
          description: "`invalid-limit`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"

  /api/v1/users:
    get:
      operationId: listUsers
      tags: [administration]
      summary: The users the caller sees.
      parameters:
        - name: organisation
          in: query
          required: false
          description: Only this organisation's users.
          schema:
            type: string
      responses:
        "200":
          description: The users.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [users]
                properties:
                  users:
                    type: array
                    items:
                      $ref: "#/components/schemas/User"
        "401":
          $ref: "#/components/responses/Unauthorized"
    post:
      operationId: createUser
      tags: [administration]
      summary: Add a user to an organisation; its administrators and operators.
      requestBody:
        required: true
        content:
          application/json:
            example: {"organisation": "kommune:0101", "name": "Karen Holm", "email": "kh@kk.dk", "roles": [signatory]}
            schema:
              type: object
              required: [organisation, roles]
              properties:
                organisation:
                  type: string
                  example: "kommune:0101"
                name:
                  description: Required.
                  type: string
                email:
                  type: string
                roles:
                  description: One or more of the roles (`operator` only in the platform's organisation, `signatory` only in a municipality).
                  type: array
                  items:
                    type: string
                  example: [signatory]
      responses:
        "201":
          description: Created.
          headers:
            Location:
              description: "`/api/v1/users/ID`."
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/users/{id}:
    parameters:
      - $ref: "#/components/parameters/UserID"
    get:
      operationId: getUser
      tags: [administration]
      summary: One user.
      responses:
        "200":
          description: The user.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
    patch:
      operationId: changeUser
      tags: [administration]
      summary: Change a user's roles, or disable or enable it; its organisation's administrators and operators.
      requestBody:
        required: true
        content:
          application/json:
            example: {"roles": [user, admin]}
            schema:
              type: object
              properties:
                roles:
                  type: array
                  items:
                    type: string
                disabled:
                  type: boolean
      responses:
        "200":
          description: The user as changed.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/users/{id}/tokens:
    parameters:
      - $ref: "#/components/parameters/UserID"
    get:
      operationId: listTokens
      tags: [administration]
      summary: A user's personal API tokens (never their text).
      responses:
        "200":
          description: The tokens.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [tokens]
                properties:
                  tokens:
                    type: array
                    items:
                      $ref: "#/components/schemas/Token"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
    post:
      operationId: createToken
      tags: [administration]
      summary: A new personal API token for the user; its text is in this answer and nowhere else, ever.
      requestBody:
        required: false
        content:
          application/json:
            example: {"name": "esdh-script", "expires_in_days": 90}
            schema:
              type: object
              properties:
                name:
                  description: A label (default `api`).
                  type: string
                expires_in_days:
                  description: 1-3650; left out, the token lasts until revoked.
                  type: integer
      responses:
        "201":
          description: Made; `token` holds its text.
          content:
            application/json:
              schema:
                allOf:
                  - $ref: "#/components/schemas/Token"
                  - required: [token]
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/tokens/{id}:
    delete:
      operationId: revokeToken
      tags: [administration]
      summary: Revoke a personal API token.
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: integer
            format: int64
          example: 1
      responses:
        "200":
          description: The token, revoked.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Token"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"

  /api/v1/systems:
    get:
      operationId: listSystems
      tags: [administration]
      summary: The IT systems the caller sees.
      responses:
        "200":
          description: The systems.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [systems]
                properties:
                  systems:
                    type: array
                    items:
                      $ref: "#/components/schemas/SystemView"
        "401":
          $ref: "#/components/responses/Unauthorized"
    post:
      operationId: registerSystem
      tags: [administration]
      summary: Register an IT system for the caller's supplier (its users and administrators).
      description: |
        The platform makes the key pair it logs in to the system's inbox with and answers
        with the public half (`public_key`) for the inbox's `authorized_keys`.
      requestBody:
        required: true
        content:
          application/json:
            example: {"name": "esdh-x", "certificate": {"subject": "CN=esdh-x,O=Systemhuset"}, "sftp": {"host": "sftp.example.dk", "port": 22, "user": "esdhx", "inbox": "IN", "host_key_fingerprints": ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"]}, "notice_address": "drift@systemhuset.dk", "trial": false}
            schema:
              type: object
              required: [name, sftp]
              properties:
                name:
                  description: Lowercase letters, digits, '.', '_' and '-', at most 64 bytes.
                  type: string
                  example: esdh-x
                uuid:
                  description: A lowercase UUID (default a new one).
                  type: string
                description:
                  type: string
                certificate:
                  description: The client certificate the system calls the gateway with (a subject or a fingerprint).
                  $ref: "#/components/schemas/Certificate"
                sftp:
                  $ref: "#/components/schemas/SFTPInbox"
                notice_address:
                  type: string
                trial:
                  description: A trial connection (prøvetilslutning).
                  type: boolean
      responses:
        "201":
          description: Registered.
          headers:
            Location:
              description: "`/api/v1/systems/NAME`."
              schema:
                type: string
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/SystemView"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/systems/{name}:
    get:
      operationId: getSystem
      tags: [administration]
      summary: One IT system.
      parameters:
        - name: name
          in: path
          required: true
          schema:
            type: string
          example: sag-kbh
      responses:
        "200":
          description: The system.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/SystemView"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"

  /api/v1/systems/{name}/certificate:
    post:
      operationId: changeSystemCertificate
      tags: [administration]
      summary: The supplier replaces its system's gateway client certificate (self-service, no BestillingsID).
      description: |
        An `ssl-certificate` change order with the supplier as its submitter: the old
        certificate stays accepted for the overlap. 201 with the order and its receipts when
        accepted, 422 with the same body when rejected; `Location` names the order either way.
      parameters:
        - name: name
          in: path
          required: true
          schema:
            type: string
          example: sag-kbh
      requestBody:
        required: true
        content:
          application/json:
            example: {"certificate": "-----BEGIN CERTIFICATE-----\n...", "overlap": "7d", "reason": "yearly renewal"}
            schema:
              type: object
              required: [certificate]
              properties:
                certificate:
                  description: The new client certificate, PEM text (public only).
                  type: string
                  example: "-----BEGIN CERTIFICATE-----\n..."
                overlap:
                  description: How long the old certificate stays accepted (`7d`).
                  type: string
                  example: 7d
                at:
                  description: When to carry it out (default at once).
                  type: string
                  example: "2026-11-23T06:00"
                reason:
                  type: string
      responses:
        "201":
          description: Accepted.
          headers:
            Location:
              $ref: "#/components/headers/ChangeLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeView"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "413":
          $ref: "#/components/responses/ContentTooLarge"
        "422":
          description: Rejected; the `rejected` receipt lists every reason.
          headers:
            Location:
              $ref: "#/components/headers/ChangeLocation"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ChangeView"

  /api/v1/agreements:
    get:
      operationId: listAgreements
      tags: [agreements]
      summary: The service agreements the caller sees (without their history).
      parameters:
        - name: system
          in: query
          required: false
          schema:
            type: string
        - name: municipality
          in: query
          required: false
          schema:
            type: string
        - name: state
          in: query
          required: false
          description: "`pending` is read as `requested`."
          schema:
            $ref: "#/components/schemas/AgreementState"
      responses:
        "200":
          description: The agreements.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [agreements]
                properties:
                  agreements:
                    type: array
                    items:
                      $ref: "#/components/schemas/Agreement"
        "400":
          description: "`invalid-state`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
    post:
      operationId: requestAgreements
      tags: [agreements]
      summary: The system's supplier requests agreements, one per service and municipality.
      description: |
        Each becomes `requested` and its municipality is notified; on a trial connection
        they are `approved` at once (synthetic test data only).
      requestBody:
        required: true
        content:
          application/json:
            example: {"system": "esdh-x", "services": [cpr-extract], "municipalities": ["0101"], "note": "for the new ESDH"}
            schema:
              type: object
              required: [system, services, municipalities]
              properties:
                system:
                  type: string
                services:
                  type: array
                  items:
                    type: string
                  example: [cpr-extract]
                municipalities:
                  type: array
                  items:
                    type: string
                  example: ["0101"]
                note:
                  type: string
      responses:
        "201":
          description: The agreements made.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [agreements]
                properties:
                  agreements:
                    type: array
                    items:
                      $ref: "#/components/schemas/Agreement"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/agreements/{uuid}:
    get:
      operationId: getAgreement
      tags: [agreements]
      summary: One agreement with its history.
      parameters:
        - $ref: "#/components/parameters/AgreementUUID"
      responses:
        "200":
          description: The agreement.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Agreement"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"

  /api/v1/agreements/{uuid}/approve:
    post:
      operationId: approveAgreement
      tags: [agreements]
      summary: The municipality's signatory approves a requested agreement; it is in force from now.
      parameters:
        - $ref: "#/components/parameters/AgreementUUID"
      requestBody:
        required: false
        content:
          application/json:
            example: {"note": "approved by the board 2026-12-01"}
            schema:
              type: object
              properties:
                note:
                  type: string
      responses:
        "200":
          description: Approved, with the call information the supplier is sent.
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [agreement, call_information]
                properties:
                  agreement:
                    $ref: "#/components/schemas/Agreement"
                  call_information:
                    $ref: "#/components/schemas/CallInformation"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/agreements/{uuid}/reject:
    post:
      operationId: rejectAgreement
      tags: [agreements]
      summary: The municipality's signatory rejects a requested agreement, with a reason.
      parameters:
        - $ref: "#/components/parameters/AgreementUUID"
      requestBody:
        required: false
        content:
          application/json:
            example: {"reason": "the municipality uses another system for this"}
            schema:
              type: object
              properties:
                reason:
                  description: Required.
                  type: string
      responses:
        "200":
          description: Rejected.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Agreement"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/agreements/{uuid}/terminate:
    post:
      operationId: terminateAgreement
      tags: [agreements]
      summary: The supplier, the municipality or an operator ends an agreement, with a reason; data stops flowing at once.
      parameters:
        - $ref: "#/components/parameters/AgreementUUID"
      requestBody:
        required: false
        content:
          application/json:
            example: {"reason": "the system is retired"}
            schema:
              type: object
              properties:
                reason:
                  description: Required.
                  type: string
      responses:
        "200":
          description: Terminated.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Agreement"
        "400":
          $ref: "#/components/responses/BadRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "403":
          $ref: "#/components/responses/Forbidden"
        "404":
          $ref: "#/components/responses/NotFound"
        "409":
          $ref: "#/components/responses/Conflict"
        "413":
          $ref: "#/components/responses/ContentTooLarge"

  /api/v1/usage:
    get:
      operationId: getUsage
      tags: [agreements]
      summary: One month's use per agreement the caller sees ("Se forbrug"), and the municipalities' ceilings.
      parameters:
        - name: month
          in: query
          required: false
          description: YYYY-MM, 2000-2999 (default this month, Copenhagen time).
          schema:
            type: string
          example: "2026-12"
        - name: agreement
          in: query
          required: false
          schema:
            type: string
        - name: municipality
          in: query
          required: false
          schema:
            type: string
      responses:
        "200":
          description: The report.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/UsageReport"
        "400":
          description: "`invalid-month`."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          description: "`unknown-agreement`: no agreement of that UUID that the caller sees."
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Problem"

components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: An operator token of the configuration's `api:` section, or a personal token (`udt_` and 64 hexadecimal digits).

  parameters:
    ExtractName:
      name: name
      in: path
      required: true
      description: The extract definition's name (`GET /api/v1/extracts` lists them).
      schema:
        type: string
      example: cpr-kbh-status
    UserID:
      name: id
      in: path
      required: true
      schema:
        type: integer
        format: int64
      example: 1
    AgreementUUID:
      name: uuid
      in: path
      required: true
      schema:
        type: string
      example: bd71a7fa-222d-4f84-9142-2a011a710026
    RunID:
      name: id
      in: path
      required: true
      schema:
        type: integer
        format: int64
      example: 1

  headers:
    RunLocation:
      description: "`/api/v1/runs/ID` of the run that stands for the request."
      schema:
        type: string
    ChangeLocation:
      description: "`/api/v1/changes/ID` of the order."
      schema:
        type: string
    WWWAuthenticate:
      description: '`Bearer realm="udtraek"`'
      schema:
        type: string

  responses:
    Unauthorized:
      description: "`missing-token` or `invalid-token`: no valid `Authorization: Bearer TOKEN`."
      headers:
        WWW-Authenticate:
          $ref: "#/components/headers/WWWAuthenticate"
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/Problem"
    BadRequest:
      description: "The request is wrong: `invalid-body` (not the JSON asked for), `invalid-request` (fields, every problem in the message), or an id that is not a whole number."
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/Problem"
    Forbidden:
      description: The caller's roles do not allow this (`operator-only`, `not-admin`, `not-supplier`, `not-signatory`, `not-party`); the message says who may.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/Problem"
    NotFound:
      description: "`unknown-...`: there is no such object, or none the caller may see (the same answer)."
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/Problem"
    Conflict:
      description: The act does not fit the object's state (`agreement-approved`, `system-exists`, `conflict`, ...).
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/Problem"
    ContentTooLarge:
      description: The body is larger than the route reads (16 KiB for run requests, 64 KiB otherwise); no body.

  schemas:
    Problem:
      description: Every error answer of the admin API.
      type: object
      additionalProperties: false
      required: [error]
      properties:
        error:
          type: object
          additionalProperties: false
          required: [status, code, message]
          properties:
            status:
              description: The HTTP status again.
              type: integer
            code:
              description: Stable, for scripts (`unknown-extract`, `invalid-limit`, ...).
              type: string
            message:
              description: What was wrong and what to do, for people.
              type: string

    Timestamp:
      type: string
      format: date-time

    ExtractDefinition:
      type: object
      additionalProperties: false
      required: [name, source, kind, system, municipality, record_types, file_name_template, task_number]
      properties:
        name:
          type: string
        source:
          type: string
          enum: [cpr, kle]
        kind:
          type: string
          enum: [status, change]
        system:
          description: The receiver system.
          type: string
        municipality:
          type: string
        record_types:
          description: CPR record types to include; empty means all.
          type: array
          items:
            type: string
        gzip_level:
          description: 1-9; left out for an uncompressed file.
          type: integer
        file_name_template:
          type: string
        task_number:
          type: integer

    ExtractSchedule:
      type: object
      additionalProperties: false
      required: [extract, cron, timeZone, calendar, constitutionDay, include, exclude, overlap, catchUp, enabled]
      properties:
        extract:
          type: string
        cron:
          type: string
        timeZone:
          type: string
        calendar:
          description: "`every-day` or `business-days`, as the configuration says."
          type: string
        constitutionDay:
          type: boolean
        include:
          type: array
          items:
            type: string
        exclude:
          type: array
          items:
            type: string
        overlap:
          description: "`queue` or `skip`, as the configuration says."
          type: string
        catchUp:
          description: "`run-once` or `skip-to-next`, as the configuration says."
          type: string
        enabled:
          type: boolean

    ExtractRun:
      type: object
      additionalProperties: false
      required: [id, extract, trigger, production_date, requested_at, requested_by, state]
      properties:
        id:
          type: integer
          format: int64
        extract:
          type: string
        trigger:
          type: string
          enum: [manual, schedule, catch-up, api, recovery]
        production_date:
          description: YYYY-MM-DD.
          type: string
        requested_at:
          $ref: "#/components/schemas/Timestamp"
        requested_by:
          type: string
        slot_at:
          $ref: "#/components/schemas/Timestamp"
        started_at:
          $ref: "#/components/schemas/Timestamp"
        finished_at:
          $ref: "#/components/schemas/Timestamp"
        state:
          type: string
          enum: [queued, running, produced, refused, failed, skipped, cancelled]
        owner:
          description: The process producing the file.
          type: string
        persons:
          type: integer
          format: int64
        records:
          type: integer
          format: int64
        text_bytes:
          type: integer
          format: int64
        file_bytes:
          type: integer
          format: int64
        sha256:
          type: string
        file_name:
          type: string
        outbox_id:
          type: integer
          format: int64
        error:
          type: string

    RunRequestAnswer:
      type: object
      additionalProperties: false
      required: [run, request]
      properties:
        run:
          $ref: "#/components/schemas/ExtractRun"
        request:
          description: What became of the request.
          type: string
          enum: [accepted, queued-behind, coalesced, skipped, replayed, joined, already-produced]
        in_flight_run:
          description: The id of the run in flight when the request came.
          type: integer
          format: int64

    ChangeKind:
      type: string
      enum: [monitoring, ssh-key, inbox, host-key, ssl-certificate, infref]

    ChangeRequest:
      description: The order form as submitted (the kind's fields); fields not given are left out.
      type: object
      additionalProperties: false
      properties:
        pattern:
          type: string
        collect_within:
          type: string
        deadline:
          type: string
        warning_before:
          type: string
        repeat_every:
          type: string
        signal:
          type: string
        moved_to:
          type: string
        retention:
          type: string
        remove_monitoring:
          type: boolean
        private_key:
          type: string
        passphrase_env:
          type: string
        passphrase_file:
          type: string
        overlap:
          type: string
        host:
          type: string
        port:
          type: integer
        user:
          type: string
        path:
          type: string
        fingerprints:
          type: array
          items:
            type: string
        certificate:
          description: For `ssl-certificate`, the new client certificate (PEM text, public only).
          type: string
        infref:
          description: For `infref`, the data type (InfRef) in the metadata of the system's extract files.
          type: string

    ChangeSubmission:
      description: |
        The envelope and the kind's fields as the CLI names them with underscores.
        `at` is a time such as `2026-11-23T06:00` (Copenhagen) or with a zone; without
        it the order is carried out as soon as it is accepted.
      type: object
      required: [system, kind]
      properties:
        system:
          type: string
          example: sag-kbh
        kind:
          $ref: "#/components/schemas/ChangeKind"
        order_id:
          description: The BestillingsID (not for `ssh-key`, which is self-service).
          type: string
        at:
          type: string
          example: "2026-11-23T06:00"
        reason:
          type: string
        pattern:
          type: string
        collect_within:
          type: string
          example: 4h
        deadline:
          type: string
        warning_before:
          type: string
        repeat_every:
          type: string
        signal:
          type: string
        moved_to:
          type: string
        retention:
          type: string
        remove_monitoring:
          type: boolean
        private_key:
          type: string
        passphrase_env:
          type: string
        passphrase_file:
          type: string
        overlap:
          type: string
        host:
          type: string
        port:
          type: integer
        user:
          type: string
        path:
          type: string
        fingerprints:
          type: array
          items:
            type: string
        certificate:
          description: For `ssl-certificate`, the new client certificate (PEM text, public only).
          type: string
          example: "-----BEGIN CERTIFICATE-----\n..."
        infref:
          description: For `infref`, the data type (InfRef) in the metadata of the system's extract files.
          type: string
          example: KLE-Emneplan

    ChangeOrder:
      type: object
      additionalProperties: false
      required: [id, system, kind, state, execute_at, submitted_by, reason, request, received_at, updated_at]
      properties:
        id:
          type: integer
          format: int64
        system:
          type: string
        kind:
          $ref: "#/components/schemas/ChangeKind"
        order_ref:
          description: The BestillingsID; left out for self-service orders.
          type: string
        state:
          type: string
          enum: [received, accepted, rejected, carried-out, completed, failed]
        requested_time:
          $ref: "#/components/schemas/Timestamp"
        execute_at:
          $ref: "#/components/schemas/Timestamp"
        submitted_by:
          type: string
        reason:
          type: string
        request:
          $ref: "#/components/schemas/ChangeRequest"
        previous:
          $ref: "#/components/schemas/ChangeSnapshot"
        received_at:
          $ref: "#/components/schemas/Timestamp"
        updated_at:
          $ref: "#/components/schemas/Timestamp"

    ChangeReceipt:
      type: object
      additionalProperties: false
      required: [id, order_id, at, kind, detail, reasons]
      properties:
        id:
          type: integer
          format: int64
        order_id:
          type: integer
          format: int64
        at:
          $ref: "#/components/schemas/Timestamp"
        kind:
          type: string
          enum: [received, accepted, rejected, carried-out, verified, completed, failed, rolled-back, key-retired, certificate-retired]
        detail:
          type: string
        reasons:
          type: array
          items:
            type: string

    ChangeView:
      type: object
      additionalProperties: false
      required: [order, receipts]
      properties:
        order:
          $ref: "#/components/schemas/ChangeOrder"
        receipts:
          type: array
          items:
            $ref: "#/components/schemas/ChangeReceipt"

    ChangeSnapshot:
      description: A system's settings before an order was carried out (what a rollback restores).
      type: object
      additionalProperties: false
      required: [system]
      properties:
        system:
          $ref: "#/components/schemas/ReceiverSystem"
        monitoring:
          $ref: "#/components/schemas/ReceiverMonitoring"
        overlap:
          $ref: "#/components/schemas/KeyOverlap"
        certificate:
          $ref: "#/components/schemas/SystemCertificate"
        certificate_overlap:
          $ref: "#/components/schemas/CertificateOverlap"

    ReceiverSystem:
      type: object
      additionalProperties: false
      required: [name, description, sftp_host, sftp_port, sftp_user, inbox_path, private_key_path, host_key_fingerprints, existing_target, origin]
      properties:
        name:
          type: string
        uuid:
          type: string
        description:
          type: string
        sftp_host:
          type: string
        sftp_port:
          type: integer
        sftp_user:
          type: string
        inbox_path:
          type: string
        private_key_path:
          type: string
        passphrase_env:
          type: string
        passphrase_file:
          type: string
        host_key_fingerprints:
          type: array
          items:
            type: string
        existing_target:
          type: string
          enum: [refuse, replace]
        sender:
          $ref: "#/components/schemas/SenderSettings"
        origin:
          $ref: "#/components/schemas/RecordOrigin"
        supplier:
          description: The supplier organisation's id (`cvr:NNNNNNNN`).
          type: string
        inf_ref:
          description: The data type (InfRef) in the metadata of the system's extract files.
          type: string

    RecordOrigin:
      description: Whether the configuration file (`config apply`) or the administration module owns the row.
      type: string
      enum: [config, admin]

    SenderSettings:
      type: object
      additionalProperties: false
      required: [path, pollIntervalSeconds, processed, untriggeredAfterSeconds]
      properties:
        path:
          type: string
        pollIntervalSeconds:
          type: integer
        processed:
          type: string
          enum: [delete, move-to]
        moveTo:
          type: string
        untriggeredAfterSeconds:
          type: integer

    ReceiverMonitoring:
      type: object
      additionalProperties: false
      required: [system, signal, rules]
      properties:
        system:
          type: string
        signal:
          type: string
          enum: [deleted, moved, read, receipt]
        moved_to:
          type: string
        receipt_suffix:
          type: string
        retention_seconds:
          type: integer
        rules:
          type: array
          items:
            $ref: "#/components/schemas/PickupRule"

    PickupRule:
      type: object
      additionalProperties: false
      required: [pattern]
      properties:
        pattern:
          type: string
        collect_within_seconds:
          type: integer
        deadline:
          type: object
          additionalProperties: false
          required: [hour, minute, business_days_after]
          properties:
            hour:
              type: integer
            minute:
              type: integer
            business_days_after:
              type: integer
        warning_before_seconds:
          type: integer
        repeat_every_seconds:
          type: integer

    KeyOverlap:
      type: object
      additionalProperties: false
      required: [system, order_id, old_private_key_path, new_private_key_path, started_at, retire_at]
      properties:
        system:
          type: string
        order_id:
          type: integer
          format: int64
        old_private_key_path:
          type: string
        old_passphrase_env:
          type: string
        old_passphrase_file:
          type: string
        new_private_key_path:
          type: string
        started_at:
          $ref: "#/components/schemas/Timestamp"
        retire_at:
          $ref: "#/components/schemas/Timestamp"

    SystemCertificate:
      description: The gateway client certificate registered for a system.
      type: object
      additionalProperties: false
      required: [system]
      properties:
        system:
          type: string
        subject:
          type: string
        fingerprint:
          description: "`sha256:` and 64 lowercase hexadecimal digits."
          type: string
        serial:
          type: string

    CertificateOverlap:
      description: A system's previous gateway client certificate, still accepted until `retire_at`.
      type: object
      additionalProperties: false
      required: [system, order_id, new_fingerprint, started_at, retire_at]
      properties:
        system:
          type: string
        order_id:
          type: integer
          format: int64
        old_subject:
          type: string
        old_fingerprint:
          type: string
        old_serial:
          type: string
        new_fingerprint:
          type: string
        started_at:
          $ref: "#/components/schemas/Timestamp"
        retire_at:
          $ref: "#/components/schemas/Timestamp"

    GatewayOutcome:
      type: string
      enum: [ok, not-found, bad-request, forbidden, too-many-calls, timeout, client-too-slow, error]

    GatewayCall:
      type: object
      additionalProperties: false
      required: [id, at, request_id, operation, status, outcome, duration_ms, bytes]
      properties:
        id:
          type: integer
          format: int64
        at:
          $ref: "#/components/schemas/Timestamp"
        request_id:
          type: string
        operation:
          description: "`cpr.person`, `cpr.population`, ..."
          type: string
        system:
          type: string
        certificate:
          description: Subject or fingerprint of an unknown client certificate.
          type: string
        municipality:
          type: string
        agreement_uuid:
          type: string
        service:
          type: string
        on_behalf_of_user:
          type: string
        callers_call_id:
          type: string
        accounting_info:
          type: string
        status:
          type: integer
        outcome:
          $ref: "#/components/schemas/GatewayOutcome"
        duration_ms:
          type: number
        first_byte_ms:
          type: number
        bytes:
          type: integer
        breach:
          type: string
          enum: [server, client]

    OperationTargetReport:
      type: object
      additionalProperties: false
      required: [operation, service, service_class, limit_seconds, calls, server_breaches, client_breaches, server_breach_share, p50_ms, p99_ms, max_ms]
      properties:
        operation:
          type: string
        service:
          type: string
        service_class:
          description: "`simple`, `medium`, `complex` or `large` (`-` for an operation no longer known)."
          type: string
        limit_seconds:
          type: number
        calls:
          type: integer
        server_breaches:
          type: integer
        client_breaches:
          type: integer
        server_breach_share:
          type: number
        p50_ms:
          type: number
        p99_ms:
          type: number
        max_ms:
          type: number

    TransferState:
      type: string
      enum: [accepted, delivered, rejected]

    TransferView:
      type: object
      additionalProperties: false
      required: [transfer, progress, recipients]
      properties:
        transfer:
          $ref: "#/components/schemas/TransferRecord"
        progress:
          description: "`rejected`, `queued`, `delivered 1/2`, `failing 1/2`, `delivered`, `collected 1/2`, `collected`."
          type: string
        recipients:
          type: array
          items:
            $ref: "#/components/schemas/TransferRecipient"
        history:
          description: Only for one transfer (`GET /api/v1/transfers/{id}`).
          type: array
          items:
            type: object
            additionalProperties: false
            required: [at, event, detail]
            properties:
              at:
                $ref: "#/components/schemas/Timestamp"
              event:
                type: string
              detail:
                type: string

    TransferRecord:
      type: object
      additionalProperties: false
      required: [id, sender, file_name, state, recipients, routing, reasons, received_at, updated_at]
      properties:
        id:
          type: integer
          format: int64
        sender:
          type: string
        file_name:
          type: string
        senders_file_id:
          type: string
        file_transfer_uuid:
          type: string
        state:
          $ref: "#/components/schemas/TransferState"
        bytes:
          type: integer
          format: int64
        sha256:
          type: string
        local_path:
          type: string
        recipients:
          type: array
          items:
            type: string
        routing:
          type: object
          additionalProperties: false
          properties:
            infRef:
              type: string
            senderAuthority:
              type: string
            recipientAuthority:
              type: string
            transactionId:
              type: string
        sender_it_system:
          type: string
        sender_timestamp:
          $ref: "#/components/schemas/Timestamp"
        reasons:
          type: array
          items:
            type: string
        fingerprint:
          type: string
        received_at:
          $ref: "#/components/schemas/Timestamp"
        updated_at:
          $ref: "#/components/schemas/Timestamp"
        source_removed_at:
          $ref: "#/components/schemas/Timestamp"
        finished_at:
          $ref: "#/components/schemas/Timestamp"
        receipt_status:
          type: string

    TransferRecipient:
      type: object
      additionalProperties: false
      required: [system, outbox_state, attempts]
      properties:
        system:
          type: string
        outbox_id:
          type: integer
          format: int64
        outbox_state:
          type: string
          enum: [ready, delivering, delivered, error]
        attempts:
          type: integer
        delivered_at:
          $ref: "#/components/schemas/Timestamp"
        last_error:
          type: string
        pickup_state:
          type: string
        collected_at:
          $ref: "#/components/schemas/Timestamp"
        collection_detail:
          type: string

    OrganisationKind:
      type: string
      enum: [platform, supplier, municipality]

    Organisation:
      type: object
      additionalProperties: false
      required: [id, kind, name, created_at]
      properties:
        id:
          description: "`cvr:NNNNNNNN`, `kommune:NNNN` or `platform`."
          type: string
        kind:
          $ref: "#/components/schemas/OrganisationKind"
        name:
          type: string
        cvr:
          type: string
        municipality:
          type: string
        notice_address:
          type: string
        ceiling_lookups:
          type: integer
        ceiling_bytes:
          type: integer
          format: int64
        created_at:
          $ref: "#/components/schemas/Timestamp"

    Role:
      type: string
      enum: [operator, admin, user, signatory]

    User:
      type: object
      additionalProperties: false
      required: [id, organisation, name, roles, created_at]
      properties:
        id:
          type: integer
          format: int64
        organisation:
          type: string
        name:
          type: string
        email:
          type: string
        roles:
          type: array
          items:
            $ref: "#/components/schemas/Role"
        created_at:
          $ref: "#/components/schemas/Timestamp"
        disabled_at:
          $ref: "#/components/schemas/Timestamp"

    Token:
      description: A personal API token as shown; never its digest, its text only in the answer that made it.
      type: object
      additionalProperties: false
      required: [id, user, name, prefix, created_at]
      properties:
        id:
          type: integer
          format: int64
        user:
          type: integer
          format: int64
        name:
          type: string
        prefix:
          description: "The token's first characters (`udt_1a2b3c4d`)."
          type: string
        created_at:
          $ref: "#/components/schemas/Timestamp"
        expires_at:
          $ref: "#/components/schemas/Timestamp"
        revoked_at:
          $ref: "#/components/schemas/Timestamp"
        last_used_at:
          $ref: "#/components/schemas/Timestamp"
        token:
          description: "The text (`udt_` and 64 hexadecimal digits), only when the token was just made."
          type: string

    SFTPInbox:
      type: object
      additionalProperties: false
      required: [host, port, user, inbox, host_key_fingerprints]
      properties:
        host:
          type: string
        port:
          type: integer
        user:
          type: string
        inbox:
          type: string
        host_key_fingerprints:
          type: array
          items:
            type: string

    Certificate:
      type: object
      additionalProperties: false
      properties:
        subject:
          type: string
        fingerprint:
          description: SHA-256, 64 hexadecimal digits.
          type: string
        serial:
          type: string

    SystemView:
      type: object
      additionalProperties: false
      required: [name, description, origin, sftp, trial]
      properties:
        name:
          type: string
        uuid:
          type: string
        description:
          type: string
        origin:
          $ref: "#/components/schemas/RecordOrigin"
        supplier:
          description: The supplier organisation's id.
          type: string
        sftp:
          $ref: "#/components/schemas/SFTPInbox"
        certificate:
          $ref: "#/components/schemas/Certificate"
        public_key:
          description: The public half of the key the platform logs in to the inbox with (registered systems).
          type: string
        notice_address:
          type: string
        trial:
          type: boolean
        registered_by:
          type: string
        registered_at:
          $ref: "#/components/schemas/Timestamp"

    AgreementState:
      type: string
      enum: [requested, approved, rejected, terminated]

    Agreement:
      type: object
      additionalProperties: false
      required: [uuid, system, municipality, service, state, origin, history]
      properties:
        uuid:
          type: string
        system:
          type: string
        municipality:
          type: string
        service:
          type: string
        service_uuid:
          type: string
        state:
          $ref: "#/components/schemas/AgreementState"
        origin:
          $ref: "#/components/schemas/RecordOrigin"
        supplier:
          type: string
        sender:
          description: For `file-transfer`, the system that may send.
          type: string
        infref:
          description: For `file-transfer`, the data type the sender may send.
          type: string
        history:
          description: Empty in lists.
          type: array
          items:
            $ref: "#/components/schemas/AgreementEvent"

    AgreementEvent:
      type: object
      additionalProperties: false
      required: [id, agreement_uuid, at, actor, event]
      properties:
        id:
          type: integer
          format: int64
        agreement_uuid:
          type: string
        at:
          $ref: "#/components/schemas/Timestamp"
        actor:
          type: string
        event:
          description: "`requested`, `approved`, `rejected`, `in-force`, `terminated`, `seeded`."
          type: string
        reason:
          type: string

    CallInformation:
      description: What the supplier's system puts in its invocation context, where it calls and where its files arrive.
      type: object
      additionalProperties: false
      required: [agreement_uuid, service_uuid, service, municipality, endpoints, sftp_inbox]
      properties:
        agreement_uuid:
          type: string
        service_uuid:
          type: string
        service:
          type: string
        system_uuid:
          type: string
        municipality:
          type: string
        municipality_uuid:
          type: string
        endpoints:
          type: array
          items:
            type: string
        sftp_inbox:
          type: string

    Notice:
      type: object
      additionalProperties: false
      required: [id, at, organisation, kind, subject, body]
      properties:
        id:
          type: integer
          format: int64
        at:
          $ref: "#/components/schemas/Timestamp"
        organisation:
          type: string
        address:
          description: The address at the time; left out when the organisation had none.
          type: string
        kind:
          description: "`agreement.requested`, `agreement.approved`, `usage.ceiling`, ..."
          type: string
        subject:
          type: string
        body:
          type: string
        sent_at:
          $ref: "#/components/schemas/Timestamp"

    UsageReport:
      type: object
      additionalProperties: false
      required: [month, usage, ceilings]
      properties:
        month:
          type: string
        usage:
          type: array
          items:
            type: object
            additionalProperties: false
            required: [agreement, system, municipality, service, month, lookups, extract_files, extract_bytes, subscription_files]
            properties:
              agreement:
                type: string
              system:
                type: string
              municipality:
                type: string
              service:
                type: string
              month:
                type: string
              lookups:
                type: integer
              extract_files:
                type: integer
              extract_bytes:
                type: integer
                format: int64
              subscription_files:
                type: integer
        ceilings:
          type: array
          items:
            type: object
            additionalProperties: false
            required: [municipality, lookups, ceiling_lookups, extract_bytes, ceiling_bytes, exceeded]
            properties:
              municipality:
                type: string
              lookups:
                type: integer
              ceiling_lookups:
                description: "`null` when the municipality has no lookup ceiling."
                type: [integer, "null"]
              extract_bytes:
                type: integer
                format: int64
              ceiling_bytes:
                description: "`null` when the municipality has no byte ceiling."
                type: [integer, "null"]
              exceeded:
                type: boolean
"""#
}
