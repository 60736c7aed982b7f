import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keys, useTokens } from '../../api/queries';
import type { Created } from './created';
import { CreateTokenForm } from './CreateTokenForm';
import { SecretBox } from './SecretBox';
import { TokenTable } from './TokenTable';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Card, PageLayout } from '../../components/PageLayout';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { api, type AccessToken, type User } from '../../api/api';
import '../../styles/account.css';



export function TokensPage({ user }: { user: User }) {
  const i18n = useI18n();
  const { t } = i18n;
  useDocumentTitle(t('title.tokens'));

  const list = useTokens();
  const queries = useQueryClient();
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function handleCreated(result: Created): void {
    setCreated(result);
    setNotice(null);
    queries.setQueryData<AccessToken[]>(keys.tokens, (items) => (items ? [result.token, ...items] : items));
    void queries.invalidateQueries({ queryKey: keys.tokens });
  }

  async function confirmRevoke(): Promise<void> {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await api.revokeToken(revoking.id);
      queries.setQueryData<AccessToken[]>(keys.tokens, (items) => items?.filter((token) => token.id !== revoking.id));
      void queries.invalidateQueries({ queryKey: keys.tokens });
      if (created?.token.id === revoking.id) setCreated(null);
      setNotice(t('tokens.revoked', { name: revoking.name }));
      setRevoking(null);
    } catch (error) {
      setRevokeError(error);
    } finally {
      setRevokeBusy(false);
    }
  }

  return (
    <PageLayout user={user} title={t('tokens.heading')} subheading={t('tokens.subheading')} width="wide">
      <div className="stack">
        {created && <SecretBox created={created} onDone={() => setCreated(null)} />}

        <Card title={t('tokens.create.heading')} labelledBy="tokens-create" icon={<Icon name="plus" size={18} />}>
          <CreateTokenForm user={user} onCreated={handleCreated} />
        </Card>

        <Card title={t('tokens.list.heading')} labelledBy="tokens-list" icon={<Icon name="key" size={18} />} className="card--flush">
          {notice && (
            <div className="card-notice" role="status">
              <Icon name="check" size={16} />
              <span>{notice}</span>
            </div>
          )}
          {list.isPending ? (
            <CardLoading />
          ) : list.isError ? (
            <div className="card-pad">
              <ErrorNotice lead={t('tokens.loadError')} error={list.error} onRetry={() => void list.refetch()} />
            </div>
          ) : list.data.length === 0 ? (
            <CardEmpty icon="terminal" iconSize={24} title={t('tokens.empty.title')}>
              {t('tokens.empty.body')}
            </CardEmpty>
          ) : (
            <TokenTable
              tokens={list.data}
              createdId={created?.token.id ?? null}
              onRevoke={(token) => {
                setRevokeError(null);
                setRevoking(token);
              }}
            />
          )}
        </Card>
      </div>

      <ConfirmDialog
        open={revoking !== null}
        title={t('tokens.revoke.title')}
        confirmLabel={t('tokens.revoke.confirm')}
        busyLabel={t('tokens.revoking')}
        busy={revokeBusy}
        error={revokeError !== null ? errorMessage(revokeError, i18n) : null}
        confirmTestId="confirm-revoke"
        onConfirm={confirmRevoke}
        onClose={() => setRevoking(null)}
      >
        <p>{t('tokens.revoke.body', { name: revoking?.name ?? '' })}</p>
      </ConfirmDialog>
    </PageLayout>
  );
}
