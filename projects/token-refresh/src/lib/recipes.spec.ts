// Each recipe of README's "Recipes" section, as a test: what the README shows is what works.
import {
  HttpClient,
  HttpContext,
  provideHttpClient,
  withInterceptors,
  withXsrfConfiguration,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component, inject, Injectable } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { NavigationEnd, provideRouter, Router } from '@angular/router';
import { createAction, provideStore, Store } from '@ngrx/store';
import { filter, firstValueFrom } from 'rxjs';

import { SKIP_TOKEN_REFRESH } from './context';
import { provideTokenRefresh } from './provide-token-refresh';
import { cookieRefresh, oauth2RefreshGrant } from './refresh-request';
import { bearerOf, record, reject401, REFRESH_URL, settle } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenRefreshService } from './token-refresh-service';
import { TokenSet, TokenStore } from './token-store';

describe('recipes', () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.cookie = 'XSRF-TOKEN=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });

  function configure(providers: unknown[]): { http: HttpClient; backend: HttpTestingController } {
    TestBed.configureTestingModule({
      providers: [...(providers as []), provideHttpClientTesting()],
    });
    return { http: TestBed.inject(HttpClient), backend: TestBed.inject(HttpTestingController) };
  }

  it('cookie-based refresh with XSRF protection: the refresh call carries the XSRF header and credentials', () => {
    const { http, backend } = configure([
      provideHttpClient(
        withInterceptors([tokenRefreshInterceptor]),
        withXsrfConfiguration({ cookieName: 'XSRF-TOKEN', headerName: 'X-XSRF-TOKEN' }),
      ),
      provideTokenRefresh({
        refreshUrl: '/api/auth/refresh',
        buildRefreshRequest: cookieRefresh(),
      }),
    ]);
    document.cookie = 'XSRF-TOKEN=xsrf-123';

    http.get('/api/orders').subscribe();
    reject401(backend.expectOne('/api/orders'));

    const refresh = backend.expectOne(REFRESH_URL);
    expect(refresh.request.headers.get('X-XSRF-TOKEN')).toBe('xsrf-123');
    expect(refresh.request.withCredentials).toBe(true);
    refresh.flush({ accessToken: 'access-2' });
    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer access-2');
  });

  it('OAuth 2.0 refresh grant against an authorization server on its own origin', () => {
    const { http, backend } = configure([
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({
        refreshUrl: 'https://auth.example.com/oauth/token',
        allowedOrigins: ['https://api.example.com'],
        buildRefreshRequest: oauth2RefreshGrant({
          clientId: 'my-spa',
          scope: 'openid offline_access',
        }),
      }),
    ]);
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });

    http.get('https://api.example.com/orders').subscribe();
    reject401(backend.expectOne('https://api.example.com/orders'));
    const refresh = backend.expectOne('https://auth.example.com/oauth/token');
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    refresh.flush({ access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 300 });

    expect(bearerOf(backend.expectOne('https://api.example.com/orders'))).toBe('Bearer access-2');
    expect(TestBed.inject(TokenStore).getRefreshToken()).toBe('refresh-2');
  });

  it('logging out through the Router when the session expires', async () => {
    const { http, backend } = configure([
      provideRouter([{ path: 'login', component: LoginPage }]),
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({
        refreshUrl: '/api/auth/refresh',
        onSessionExpired: () =>
          void inject(Router).navigate(['/login'], { queryParams: { expired: 1 } }),
      }),
    ]);
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });

    const router = TestBed.inject(Router);
    const navigated = firstValueFrom(
      router.events.pipe(filter((event) => event instanceof NavigationEnd)),
    );

    http.get('/api/orders').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/orders'));
    reject401(backend.expectOne(REFRESH_URL));
    await navigated;

    expect(router.url).toBe('/login?expired=1');
  });

  it('logging out through NgRx when the session expires', () => {
    const dispatched: string[] = [];
    const { http, backend } = configure([
      provideStore({
        session: (state = 'active', action: { type: string }) => {
          dispatched.push(action.type);
          return action.type === sessionExpired.type ? 'expired' : state;
        },
      }),
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({
        refreshUrl: '/api/auth/refresh',
        onSessionExpired: () => inject(Store).dispatch(sessionExpired()),
      }),
    ]);
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });

    http.get('/api/orders').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/orders'));
    reject401(backend.expectOne(REFRESH_URL));

    expect(dispatched.filter((type) => type === sessionExpired.type)).toHaveLength(1);
    let session = '';
    TestBed.inject<Store<{ session: string }>>(Store)
      .select((state) => state.session)
      .subscribe((value) => (session = value));
    expect(session).toBe('expired');
  });

  it('Ionic/Capacitor-style async storage: a store over a promise-based key-value API', async () => {
    const { http, backend } = configure([
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({ refreshUrl: '/api/auth/refresh', store: PreferencesTokenStore }),
    ]);
    await TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });

    const result = record(http.get('/api/orders'));
    await settle();
    reject401(backend.expectOne('/api/orders'));
    await settle();
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await settle();
    backend.expectOne('/api/orders').flush('ok');

    expect(result.values).toEqual(['ok']);
    expect(await FakePreferences.get({ key: 'refresh' })).toEqual({ value: 'refresh-2' });
  });

  it('several APIs where only some origins get the token', () => {
    const { http, backend } = configure([
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({
        refreshUrl: '/api/auth/refresh',
        allowedOrigins: ['https://api.example.com', /^https:\/\/[a-z]+\.internal\.example\.com$/],
      }),
    ]);
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'access-1' });

    for (const url of [
      '/api/me',
      'https://api.example.com/orders',
      'https://billing.internal.example.com/invoices',
      'https://maps.example.net/tiles',
      'https://api.example.com.evil.io/steal',
    ]) {
      http.get(url).subscribe();
    }

    expect(
      backend.match(() => true).map((request) => [request.request.url, bearerOf(request)]),
    ).toEqual([
      ['/api/me', 'Bearer access-1'],
      ['https://api.example.com/orders', 'Bearer access-1'],
      ['https://billing.internal.example.com/invoices', 'Bearer access-1'],
      ['https://maps.example.net/tiles', null],
      ['https://api.example.com.evil.io/steal', null],
    ]);
  });

  it('a "session expired" dialog driven by the state signal', async () => {
    const { http, backend } = configure([
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),
    ]);
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });
    const fixture = TestBed.createComponent(SessionExpiredDialog);
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;
    expect(page.querySelector('[role="alertdialog"]')).toBeNull();

    http.get('/api/orders').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/orders'));
    reject401(backend.expectOne(REFRESH_URL));
    await fixture.whenStable();

    expect(page.querySelector('[role="alertdialog"]')?.textContent).toContain(
      'Your session has expired',
    );
  });

  it('a logout call that must not trigger a refresh', () => {
    const { http, backend } = configure([
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),
    ]);
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });

    const result = record(
      http.post('/api/auth/logout', null, {
        context: new HttpContext().set(SKIP_TOKEN_REFRESH, true),
      }),
    );
    reject401(backend.expectOne('/api/auth/logout'));

    expect(result.errors).toHaveLength(1);
    backend.expectNone(REFRESH_URL);
  });
});

const sessionExpired = createAction('[Session] Expired');

@Component({ template: '<h1>Sign in</h1>' })
class LoginPage {}

@Component({
  selector: 'app-session-expired-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (session.state() === 'expired') {
      <div role="alertdialog" aria-labelledby="expired-title">
        <h2 id="expired-title">Your session has expired</h2>
        <a href="/login">Sign in again</a>
      </div>
    }
  `,
})
class SessionExpiredDialog {
  protected readonly session = inject(TokenRefreshService);
}

/** Stands in for Capacitor's `Preferences` plugin: a promise-based key-value store. */
const FakePreferences = {
  values: new Map<string, string>(),
  get({ key }: { key: string }): Promise<{ value: string | null }> {
    return Promise.resolve({ value: this.values.get(key) ?? null });
  },
  set({ key, value }: { key: string; value: string }): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  },
  remove({ key }: { key: string }): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  },
};

/** The README's Capacitor recipe, with `Preferences` standing in for `@capacitor/preferences`. */
@Injectable()
class PreferencesTokenStore extends TokenStore {
  private readonly preferences = FakePreferences;

  async getAccessToken() {
    return (await this.preferences.get({ key: 'access' })).value;
  }
  async getRefreshToken() {
    return (await this.preferences.get({ key: 'refresh' })).value;
  }
  async setTokens({ accessToken, refreshToken }: TokenSet) {
    await this.preferences.set({ key: 'access', value: accessToken });
    if (refreshToken) {
      await this.preferences.set({ key: 'refresh', value: refreshToken });
    }
  }
  async clear() {
    await this.preferences.remove({ key: 'access' });
    await this.preferences.remove({ key: 'refresh' });
  }
}
