import * as React from 'react';
import { Link, useParams } from 'react-router-dom';
import { Badge, Box, Button, Flex, Typography } from '@strapi/design-system';
import { Layouts } from '@strapi/strapi/admin';
import { ago, useModerationApi, type Entry } from './api';

type Item = { id: number; documentId: string; title?: string; text: string; hidden: boolean; openReports: number; createdAt: string };
type UserData = {
  id: number;
  username: string;
  email: string;
  blocked: boolean;
  joinedAt: string;
  posts: Item[];
  comments: Item[];
  hiddenItems: number;
  reportsAgainst: number;
  reports: Array<{ id: number; kind: string; reason: string; details: string | null; status: string; label: string; createdAt: string }>;
  history: Entry[];
  lastSuspension: { at: string; hidden: number } | null;
};

const inputStyle: React.CSSProperties = { width: '100%', padding: 8, borderRadius: 4, border: '1px solid #dcdce4', fontFamily: 'inherit', fontSize: 14 };

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Box tag="section" aria-label={title} padding={5} background="neutral0" hasRadius shadow="tableShadow" marginBottom={4}>
    <Typography tag="h2" variant="delta">
      {title}
    </Typography>
    <Box paddingTop={2}>{children}</Box>
  </Box>
);

/** One user: their posts, comments, the reports against them and their moderation history; block and unblock. */
export function UserPage() {
  const { id } = useParams();
  const api = useModerationApi();
  const [user, setUser] = React.useState<UserData | null>(null);
  const [status, setStatus] = React.useState('');
  const [note, setNote] = React.useState('');
  const [hideAll, setHideAll] = React.useState(true);
  const [restore, setRestore] = React.useState(true);

  const load = React.useCallback(() => {
    api.user(Number(id)).then(setUser, (error: unknown) => setStatus(api.message(error)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  React.useEffect(load, [load]);

  const block = async () => {
    if (!note.trim()) return setStatus('A note is needed to block.');
    try {
      const result = await api.block(Number(id), note.trim(), hideAll);
      setStatus(`Blocked${result.hidden.length ? `, ${result.hidden.length} item(s) hidden` : ''}.`);
      setNote('');
      load();
    } catch (error) {
      setStatus(api.message(error));
    }
  };
  const unblock = async () => {
    try {
      const result = await api.unblock(Number(id), note.trim(), restore);
      setStatus(`Unblocked${result.restored.length ? `, ${result.restored.length} item(s) restored` : ''}.`);
      setNote('');
      load();
    } catch (error) {
      setStatus(api.message(error));
    }
  };

  if (!user) return <Layouts.Content><Typography>{status || 'Loading…'}</Typography></Layouts.Content>;
  return (
    <>
      <Layouts.Header
        title={user.username}
        subtitle={`${user.email} · account ${ago(user.joinedAt)} old · ${user.posts.length} posts · ${user.comments.length} comments · ${user.hiddenItems} hidden · ${user.reportsAgainst} reports against · ${user.blocked ? 'blocked' : 'not blocked'}`}
        navigationAction={<Link to="../..">← Queue</Link>}
      />
      <Layouts.Content>
        <Box role="status" aria-live="polite" paddingBottom={4}>
          <Typography textColor="primary600">{status}</Typography>
        </Box>
        <Section title={user.blocked ? 'Unblock' : 'Block'}>
          <Flex direction="column" alignItems="stretch" gap={2}>
            <textarea aria-label="Note" placeholder={user.blocked ? 'Note (optional)' : 'Note (needed to block)'} rows={2} style={inputStyle} value={note} onChange={(e) => setNote(e.target.value)} />
            {user.blocked ? (
              <>
                <label>
                  <input type="checkbox" checked={restore} onChange={(e) => setRestore(e.target.checked)} /> Restore what the suspension hid
                  {user.lastSuspension ? ` (${user.lastSuspension.hidden} item(s))` : ' (none)'}
                </label>
                <Box>
                  <Button onClick={unblock}>Unblock</Button>
                </Box>
              </>
            ) : (
              <>
                <label>
                  <input type="checkbox" checked={hideAll} onChange={(e) => setHideAll(e.target.checked)} /> Also hide everything they wrote (suspension)
                </label>
                <Box>
                  <Button variant="danger" onClick={block}>
                    Block
                  </Button>
                </Box>
              </>
            )}
          </Flex>
        </Section>
        <Section title="Moderation history">
          {user.history.length === 0 ? <Typography>None.</Typography> : (
            <ul style={{ marginLeft: 16, listStyle: 'disc' }}>
              {user.history.map((e) => (
                <li key={e.id}>
                  <Typography variant="pi">
                    {new Date(e.at).toLocaleString()}: {e.action} {e.kind} #{e.itemId}
                    {e.label ? ` “${e.label}”` : ''} by {e.actor}
                    {e.note ? ` — ${e.note}` : ''}
                  </Typography>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Reports against them">
          {user.reports.length === 0 ? <Typography>None.</Typography> : (
            <ul style={{ marginLeft: 16, listStyle: 'disc' }}>
              {user.reports.map((r) => (
                <li key={r.id}>
                  <Typography variant="pi">
                    {r.reason} on {r.kind} “{r.label}” ({r.status}), {ago(r.createdAt)} ago{r.details ? ` — ${r.details}` : ''}
                  </Typography>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Posts">
          {user.posts.map((p) => (
            <Box key={p.id} paddingBottom={2}>
              <Typography fontWeight="bold">{p.title}</Typography> {p.hidden && <Badge>hidden</Badge>} {p.openReports > 0 && <Badge active>{p.openReports} open reports</Badge>}
              <Typography tag="p" variant="pi" textColor="neutral600">
                {p.text.slice(0, 300)}
              </Typography>
            </Box>
          ))}
        </Section>
        <Section title="Comments">
          {user.comments.map((c) => (
            <Box key={c.id} paddingBottom={2}>
              <Typography variant="pi">{c.text.slice(0, 300)}</Typography> {c.hidden && <Badge>hidden</Badge>}
            </Box>
          ))}
        </Section>
      </Layouts.Content>
    </>
  );
}
