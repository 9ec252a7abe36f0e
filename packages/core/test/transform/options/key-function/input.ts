// @ts-nocheck
/* @persist({ key: { user: byId, verbose: null }, store: 'disk' }) */
export async function report(user: User, verbose = false) {
  return build(user, verbose)
}

function byId(user: User) {
  return user.id
}
