/** Leaving the app for another page (a single sign-on provider); an object so tests can replace it. */
export const navigation = {
  assign(url: string): void {
    window.location.assign(url);
  },
};
