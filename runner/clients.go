package runner

import (
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/spec"
)

// Clients are a scenario's client settings compiled for a run. Validation
// only checks them; the runner keeps this copy, and the Java client's
// effective settings replace the written ones here, not in the scenario.
type Clients struct {
	Producer clientconf.ProducerConfig
	Consumer clientconf.ConsumerConfig
	Output   clientconf.ProducerConfig // the pipeline's forwarding producer; zero without one
}

// CompileClients compiles s's client settings. A refused one (s changed
// after validation) is bad input at its setting's line.
func CompileClients(s *spec.Scenario) (Clients, error) {
	if s.Workload.Java() {
		return Clients{Producer: clientconf.JavaProducerConfig(s.Workload.Producer.Map()),
			Consumer: clientconf.JavaConsumerConfig(s.Consumer.Config.Map())}, nil
	}
	bad := &spec.Errors{}
	refused := func(path string, ps problem.List) {
		for _, p := range ps {
			bad.List = append(bad.List, s.ErrorAt(problem.Join(path, p.Field), p.Msg).List...)
		}
	}
	var c Clients
	var ps problem.List
	c.Producer, ps = clientconf.ProducerOptions(s.Workload.Producer.Client())
	refused("workload.producer", ps)
	c.Consumer, ps = clientconf.ConsumerOptions(s.Consumer.Config.Client())
	refused("consumer.config", ps)
	if o := s.Consumer.Output; o != nil {
		c.Output, ps = clientconf.ProducerOptions(o.Producer.Client())
		refused("consumer.output.producer", ps)
	}
	if len(bad.List) > 0 {
		return Clients{}, bad
	}
	return c, nil
}

// transactionalIDs are the transactional.ids the run's producers and
// pipeline members use.
func (c Clients) transactionalIDs(s *spec.Scenario) []string {
	return clientconf.TransactionalIDs(c.Producer.TransactionalID, s.Workload.Producers, c.Output.TransactionalID, s.Consumer.Instances)
}
