export interface HealthRes {
  status: 'ok';
}

export interface ServerInfoRes {
  min_required_weave_python_version: string;
  trace_server_version: string;
}
