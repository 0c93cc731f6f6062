import { Routes } from '@angular/router';

import { DashboardComponent } from './dashboard.component';
import { LoginComponent } from './login.component';
import { sessionGuard } from './session.guard';

export const routes: Routes = [
  { path: 'login', component: LoginComponent, title: 'Sign in · ngx-token-refresh demo' },
  {
    path: 'dashboard',
    component: DashboardComponent,
    canActivate: [sessionGuard],
    title: 'Dashboard · ngx-token-refresh demo',
  },
  { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
  { path: '**', redirectTo: 'dashboard' },
];
