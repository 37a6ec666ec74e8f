import * as React from 'react';
import { Route, Routes } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Queue } from './Queue';
import { UserPage } from './UserPage';

/** The Moderation page: the queue at /admin/moderation, a user's page at /admin/moderation/users/:id. */
export default function ModerationPage() {
  return (
    <Page.Main>
      <Page.Title>Moderation</Page.Title>
      <Routes>
        <Route index element={<Queue />} />
        <Route path="users/:id" element={<UserPage />} />
      </Routes>
    </Page.Main>
  );
}

export const Header = ({ title, subtitle }: { title: string; subtitle?: string }) => <Layouts.Header title={title} subtitle={subtitle} />;
