import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';
import { Link } from 'react-router-dom';
import { useModerationApi } from './api';

type Stats = { openReports: number; reportsToday: number; hiddenThisWeek: number; perDay: Array<{ day: string; reports: number }> };

const Figure = ({ label, value }: { label: string; value: number }) => (
  <Box aria-label={label}>
    <Typography variant="beta" tag="p" data-testid={label}>
      {value}
    </Typography>
    <Typography variant="pi" textColor="neutral600">
      {label}
    </Typography>
  </Box>
);

/** The home-page widget: open reports, reports today, items hidden this week, reports per day over 30 days. */
export function ModerationWidget() {
  const api = useModerationApi();
  const [stats, setStats] = React.useState<Stats | null>(null);
  React.useEffect(() => {
    api.stats().then(setStats, () => setStats(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (!stats) return <Typography>Loading…</Typography>;
  const max = Math.max(1, ...stats.perDay.map((d) => d.reports));
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Flex gap={6}>
        <Figure label="open reports" value={stats.openReports} />
        <Figure label="reports today" value={stats.reportsToday} />
        <Figure label="hidden this week" value={stats.hiddenThisWeek} />
      </Flex>
      <svg role="img" aria-label="Reports per day, last 30 days" viewBox="0 0 300 60" width="100%" height="60">
        {stats.perDay.map((d, i) => (
          <rect key={d.day} x={i * 10 + 1} y={60 - (d.reports / max) * 56} width={8} height={(d.reports / max) * 56} fill="#4945ff">
            <title>{`${d.day}: ${d.reports}`}</title>
          </rect>
        ))}
      </svg>
      <Link to="/moderation">Open the queue</Link>
    </Flex>
  );
}
