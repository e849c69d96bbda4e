/**
 * The page map. Each view but the calls table is its own chunk, loaded when its page is opened,
 * so the first load carries only the frame, the projects list and the calls table.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, RouterProvider, useParams, useRouteError } from 'react-router';
import { ApiError } from './api/client';
import { Layout } from './components/layout';
import { Failure, NotFound } from './components/states';
import { paths, projectId } from './routes';
import { prefetchFirstCallPage } from './views/calls/calls-data';
import { CallsPage } from './views/calls/calls-page';
import { prefetchTraceView } from './views/trace/trace-load';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a network error or a 5xx may.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      staleTime: 10_000,
      refetchOnWindowFocus: false,
    },
  },
});

/** `/{entity}/{project}/r/call/{id}`: the link `Call.uiUrl` and Weave's SDKs print. */
function CallRedirect() {
  const { entity = '', project = '', callId = '' } = useParams();
  return <Navigate to={paths.call({ entity, project }, callId)} replace />;
}

function RouteFailure() {
  return <Failure error={useRouteError()} what="this page" />;
}

const router = createBrowserRouter([
  {
    path: '/',
    element: <Layout />,
    errorElement: <RouteFailure />,
    children: [
      {
        index: true,
        lazy: async () => ({ Component: (await import('./views/projects/projects-page')).ProjectsPage }),
      },
      { path: ':entity/:project/r/call/:callId', element: <CallRedirect /> },
      { path: ':entity/:project', element: <Navigate to="weave/traces" replace /> },
      { path: ':entity/:project/weave', element: <Navigate to="traces" replace /> },
      {
        path: ':entity/:project/weave/traces',
        // Returns at once: the first page is on its way while the view's chunk loads.
        loader: ({ params, request }) => {
          const project = { entity: params.entity ?? '', project: params.project ?? '' };
          prefetchFirstCallPage(queryClient, project, new URL(request.url).searchParams);
          return null;
        },
        // The page every project opens on is in the main chunk: waiting for its own chunk after
        // the main one cost about 100 ms before the first rows could show (BENCHMARKS.md).
        Component: CallsPage,
      },
      {
        path: ':entity/:project/weave/calls/:callId',
        loader: ({ params }) => {
          const project = { entity: params.entity ?? '', project: params.project ?? '' };
          prefetchTraceView(queryClient, projectId(project), params.callId ?? '');
          return null;
        },
        lazy: async () => ({ Component: (await import('./views/trace/trace-page')).TracePage }),
      },
      {
        path: ':entity/:project/weave/ops',
        lazy: async () => ({ Component: (await import('./views/objects/ops-page')).OpsPage }),
      },
      {
        path: ':entity/:project/weave/ops/:name/versions/:digest',
        lazy: async () => ({ Component: (await import('./views/objects/op-version-page')).OpVersionPage }),
      },
      {
        path: ':entity/:project/weave/datasets',
        lazy: async () => ({ Component: (await import('./views/objects/datasets-page')).DatasetsPage }),
      },
      {
        path: ':entity/:project/weave/objects',
        lazy: async () => ({ Component: (await import('./views/objects/objects-page')).ObjectsPage }),
      },
      {
        path: ':entity/:project/weave/objects/:name/versions/:digest',
        lazy: async () => ({
          Component: (await import('./views/objects/object-version-page')).ObjectVersionPage,
        }),
      },
      {
        path: ':entity/:project/weave/evaluations',
        lazy: async () => ({
          Component: (await import('./views/evaluations/evaluations-page')).EvaluationsPage,
        }),
      },
      {
        path: ':entity/:project/weave/evaluations/:callId',
        lazy: async () => ({
          Component: (await import('./views/evaluations/evaluation-page')).EvaluationPage,
        }),
      },
      {
        path: ':entity/:project/weave/compare-evaluations',
        lazy: async () => ({
          Component: (await import('./views/evaluations/compare-page')).CompareEvaluationsPage,
        }),
      },
      {
        path: ':entity/:project/weave/prices',
        lazy: async () => ({ Component: (await import('./views/costs/prices-page')).PricesPage }),
      },
      { path: '*', element: <NotFound what="This page" /> },
    ],
  },
]);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
