import { useMutation, useQueryClient } from '@tanstack/react-query';
import { keys, useInstanceSettings } from '../../api/queries';
import { api, type InstanceSettings } from '../../api/api';
import { CardLoading } from '../../components/CardStates';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Card } from '../../components/PageLayout';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';

/**
 * The administrators' switch for the public finder (PATCH /admin/settings `whoEnabled`).
 * With WHO_ENABLED=0 the server keeps it off: the switch is shown off, disabled, and says why.
 */
export function WhoSwitch() {
  const i18n = useI18n();
  const { t } = i18n;
  const settings = useInstanceSettings();
  const queries = useQueryClient();
  const change = useMutation({
    mutationFn: async (whoEnabled: boolean) => (await api.updateSettings({ whoEnabled })).data,
    onSuccess: (saved) => queries.setQueryData<InstanceSettings>(keys.settings, saved),
    // Another administrator (or the environment) may have changed it meanwhile: show what holds.
    onSettled: () => void queries.invalidateQueries({ queryKey: keys.settings }),
  });

  let body;
  if (settings.isPending) body = <CardLoading />;
  else if (settings.isError)
    body = <ErrorNotice lead={t('whoSwitch.loadError')} error={settings.error} onRetry={() => void settings.refetch()} />;
  else {
    const { whoEnabled, whoLockedByEnvironment } = settings.data;
    const state = whoLockedByEnvironment ? 'whoSwitch.locked' : whoEnabled ? 'whoSwitch.on' : 'whoSwitch.off';
    body = (
      <div className="who-switch">
        <label className="who-switch-toggle">
          <input
            type="checkbox"
            role="switch"
            checked={whoEnabled}
            disabled={whoLockedByEnvironment || change.isPending}
            aria-describedby="who-switch-state"
            data-testid="who-switch"
            onChange={(event) => change.mutate(event.target.checked)}
          />
          {t('whoSwitch.toggle')}
          {change.isPending && <Spinner size={14} label={t('whoSwitch.saving')} />}
        </label>
        <p id="who-switch-state" className={`who-switch-state${whoLockedByEnvironment ? ' who-switch-state--locked' : ''}`} role="status" data-testid="who-switch-state">
          {whoLockedByEnvironment && <Icon name="lock" size={14} />}
          {t(state)}
        </p>
        {change.isError && (
          <p className="form-alert form-alert--error" role="alert" data-testid="who-switch-error">
            <Icon name="alert" size={16} />
            <span>
              {t('whoSwitch.saveError')} {errorMessage(change.error, i18n)}
            </span>
          </p>
        )}
        <a href="/who" target="_blank" rel="noopener">
          {t('whoSwitch.open')}
        </a>
      </div>
    );
  }

  return (
    <Card title={t('whoSwitch.heading')} description={t('whoSwitch.description')} labelledBy="who-switch-heading" icon={<Icon name="eye" size={18} />}>
      {body}
    </Card>
  );
}
