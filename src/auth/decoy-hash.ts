/**
 * A bcrypt hash (cost 10, as the plugin hashes) of a random string nobody knows. Comparing a
 * password against it when the account is unknown makes an unknown account cost as much time as a
 * wrong password, so the time of a login answer does not tell which accounts exist.
 */
export const DECOY_HASH = '$2a$10$wjlPO7L/NdNCj08oFft1aeqbYppckWOdRRweD2PfO/yT2fXUzN21y';
