/** The path of an upload below the service's root, `/api/media/<id>`: the id is the first group. */
export const UPLOAD_PATH = /^\/api\/media\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function uploadPathOf(id: string): string {
  return `/api/media/${id}`;
}
