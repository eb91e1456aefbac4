// Configuration: action thresholds and the editable lists (multimap files, whitelists), both saved through the API and applied without a restart.

import type { PageProps } from '../app.tsx';
import { ActionsForm } from './config-actions.tsx';
import { MapsEditor } from './config-maps.tsx';

export function ConfigPage({ session }: PageProps) {
  return (
    <>
      {session.readOnly && <p class="notice">Read-only session: log in with the enable password to change the configuration.</p>}
      <ActionsForm readOnly={session.readOnly} />
      <MapsEditor readOnly={session.readOnly} />
    </>
  );
}
