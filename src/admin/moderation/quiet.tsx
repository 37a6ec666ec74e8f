/**
 * No noise on a moderator's screens: Strapi's guided tour is switched off (its state lives in
 * localStorage, read when the panel renders) and the "new Media Library" banner is marked as
 * dismissed for this Strapi instance (its key is scoped by the instance's uuid from /admin/init).
 */
export function quietScreens(): void {
  try {
    const raw = window.localStorage.getItem('STRAPI_GUIDED_TOUR');
    const tour = raw ? JSON.parse(raw) : {};
    if (tour.enabled !== false) window.localStorage.setItem('STRAPI_GUIDED_TOUR', JSON.stringify({ ...tour, enabled: false }));
  } catch {
    window.localStorage.setItem('STRAPI_GUIDED_TOUR', JSON.stringify({ enabled: false }));
  }
  fetch('/admin/init')
    .then((res) => res.json())
    .then((body: { data?: { uuid?: string | false } }) => {
      const uuid = body?.data?.uuid;
      for (const flag of ['true', 'false']) window.localStorage.setItem(`STRAPI_MEDIA_LIBRARY_BANNER_DISMISSED_FOR_${flag}:${uuid}`, 'true');
    })
    .catch(() => undefined);
}
