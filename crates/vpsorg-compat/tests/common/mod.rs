//! A small spec of the tests' own, with a slot for each change a test makes, so that no test
//! depends on the wording of the VPS.org Backups spec.

/// The spec: `delete_id` is the DELETE operation's operationId, `delete_extra` more of that
/// operation (YAML indented 6 spaces), `restore_fields` more properties of the `Restore`
/// response schema (indented 8 spaces).
pub(crate) fn spec(delete_id: &str, delete_extra: &str, restore_fields: &str) -> String {
    format!(
        "openapi: 3.0.3
info:
  title: A small contract
  version: '1'
paths:
  /api/v1/backups/{{backup_id}}/:
    delete:
      operationId: {delete_id}
{delete_extra}      parameters:
        - name: backup_id
          in: path
          required: true
          schema:
            type: integer
            format: int64
      responses:
        '204':
          description: Deleted
  /api/v1/servers/{{server_id}}/restore/:
    post:
      operationId: restoreServer
      parameters:
        - name: server_id
          in: path
          required: true
          schema:
            type: integer
            format: int64
      responses:
        '202':
          description: Accepted
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Restore'
components:
  schemas:
    Backup:
      type: object
      required: [id]
      properties:
        id:
          type: integer
          format: int64
    Restore:
      type: object
      properties:
{restore_fields}        message:
          type: string
"
    )
}
