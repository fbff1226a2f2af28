export {
  RedisReplayStore,
  type RedisReplayStoreConnectOptions,
  type RedisReplayStoreOptions,
  type RedisReplayStoreSettings,
  type RedisSetCommand,
} from './redis-replay-store';
